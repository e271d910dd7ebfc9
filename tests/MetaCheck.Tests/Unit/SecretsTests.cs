using System.Text;
using MetaCheck.State;

namespace MetaCheck.Tests.Unit;

/// <summary>
/// Every planted form of secret, redacted the same way wherever it stands, and what must stay visible:
/// <see cref="Secrets"/> is the one place the key, the stored argv, every display and the wrappers'
/// messages go through.
/// </summary>
public sealed class SecretsTests
{
    /// <summary>argv as given, then as stored and shown (one string each, joined with a space).</summary>
    public static TheoryData<string[], string> Hidden => new()
    {
        // URL credentials and secret query parameters, in any argument.
        { ["check_http", "-u", "https://admin:s3cretpw@host/x"], "check_http -u https://admin:***@host/x" },
        { ["curl", "--url=https://admin:s3cretpw@host/x"], "curl --url=https://admin:***@host/x" },
        { ["curl", "https://h/api?token=abc123&x=1"], "curl https://h/api?token=***&x=1" },
        { ["check_http", "-H", "h", "-u", "/status?page=2&api_key=k3y123"], "check_http -H h -u /status?page=2&api_key=***" },
        // curl -u and check_http -a: user:secret shows the user.
        { ["curl", "-u", "admin:pa55word", "https://h"], "curl -u admin:*** https://h" },
        { ["curl", "-uadmin:pa55word", "https://h"], "curl -uadmin:*** https://h" },
        { ["curl", "--user=admin:pa55word", "https://h"], "curl --user=admin:*** https://h" },
        { ["check_http", "-H", "h", "-a", "admin:pa55word"], "check_http -H h -a admin:***" },
        // Authorization headers, however passed.
        { ["curl", "-H", "Authorization: Bearer tok123", "https://h"], "curl -H Authorization: Bearer *** https://h" },
        { ["curl", "--header=Authorization: Basic dXNlcjpwYXNz", "https://h"], "curl --header=Authorization: Basic *** https://h" },
        { ["check_http", "-H", "h", "-k", "X-Api-Key: k3y123"], "check_http -H h -k X-Api-Key: ***" },
        { ["check-tcp", "-H", "h", "-s", "GET / HTTP/1.0\\r\\nAuthorization: Basic abc123\\r\\n"], "check-tcp -H h -s GET / HTTP/1.0\\r\\nAuthorization: Basic ***\\r\\n" },
        // redis-cli -a, sshpass -p, SNMP communities and v3 passphrases.
        { ["redis-cli", "-h", "r1", "-p", "6379", "-a", "redispw1", "ping"], "redis-cli -h r1 -p 6379 -a *** ping" },
        { ["sshpass", "-p", "sshpw123", "ssh", "host", "uptime"], "sshpass -p *** ssh host uptime" },
        { ["sshpass", "-psshpw123", "ssh", "host"], "sshpass -p*** ssh host" },
        { ["snmpget", "-v2c", "-c", "commun1ty", "host", "sysUpTime.0"], "snmpget -v2c -c *** host sysUpTime.0" },
        { ["/usr/bin/snmpwalk", "-v2c", "-ccommun1ty", "host"], "/usr/bin/snmpwalk -v2c -c*** host" },
        { ["check_snmp", "-H", "h", "-C", "commun1ty", "-o", "oid"], "check_snmp -H h -C *** -o oid" },
        { ["check_snmp", "-H", "h", "-P", "3", "-A", "authpw12", "-X", "privpw12"], "check_snmp -H h -P 3 -A *** -X ***" },
        { ["check_foo", "--community=commun1ty"], "check_foo --community=***" },
        // Options named as secrets, of any program.
        { ["check_foo", "--dbpass", "dbpw123"], "check_foo --dbpass ***" },
        { ["check_foo", "--db-pass=dbpw123"], "check_foo --db-pass=***" },
        { ["check_foo", "--pw=pw12345"], "check_foo --pw=***" },
        { ["check_foo", "--password-file", "/etc/foo/pw"], "check_foo --password-file ***" },
        { ["check_foo", "--password", "hunter2", "--apikey=hunter3", "-token", "hunter4"], "check_foo --password *** --apikey=*** -token ***" },
        { ["check_foo", "--client-secret", "cs123", "--api-key", "ak123"], "check_foo --client-secret *** --api-key ***" },
        // Environment assignments.
        { ["env", "MYSQL_PWD=mypw1234", "mysql", "-e", "select 1"], "env MYSQL_PWD=*** mysql -e select 1" },
        { ["env", "PGPASSWORD=pgpw1234", "SSHPASS=sshpw123", "REDISCLI_AUTH=rpw12345", "check"], "env PGPASSWORD=*** SSHPASS=*** REDISCLI_AUTH=*** check" },
        // MySQL, directly and behind sudo, timeout, a shell and a nested wrapper.
        { ["mysql", "-uroot", "-phunter2"], "mysql -uroot -p***" },
        { ["check_mysql", "-H", "db", "-p", "hunter2"], "check_mysql -H db -p ***" },
        { ["sudo", "-u", "mysql", "mysql", "-umon", "-psudopw12"], "sudo -u mysql mysql -umon -p***" },
        { ["timeout", "5", "/usr/bin/mysqladmin", "-pxyz12345", "ping"], "timeout 5 /usr/bin/mysqladmin -p*** ping" },
        { ["sh", "-c", "mysql -uroot -p'shpw 123' -e 'select 1'"], "sh -c mysql -uroot -p*** -e 'select 1'" },
        { ["sh", "-c", "sudo -u x sh -c \"mysql -phunter2 -e 'select 1'\""], "sh -c sudo -u x sh -c \"mysql -p*** -e 'select 1'\"" },
        { ["mysql -uroot -phunter22 -e status"], "mysql -uroot -p*** -e status" },
        { ["interval-checker", "--", "check_mysql", "-p", "hunter2"], "interval-checker -- check_mysql -p ***" },
        { ["sh", "-c", "MYSQL_PWD=mypw1234 mysql -e status; curl -u a:b1234 https://h"], "sh -c MYSQL_PWD=*** mysql -e status; curl -u a:*** https://h" },
        // A letter of a program we know nothing of, carrying a secret: the value goes, the next argument stays.
        { ["check_foo", "-psecretX", "-H", "host"], "check_foo -p*** -H host" },
        { ["check_foo", "-psecret-x1-y", "-H", "host", "-db-pass", "dbpw", "-password-file", "/pw"], "check_foo -p*** -H host -db-pass *** -password-file ***" },
    };

    /// <summary>Arguments that look like secrets to a careless rule and must stay as they are.</summary>
    public static TheoryData<string[]> Visible => new()
    {
        new[] { "check_tcp", "-H", "db", "-p", "3306" },
        new[] { "check-tcp", "-H", "db", "-p3306", "-w", "1" },
        new[] { "mysql", "-p", "dbname" },
        new[] { "check_mysql", "-H", "db", "-u", "monitor", "-P", "3306" },
        new[] { "check_http", "-H", "example.com", "-u", "/status?page=2&sort=asc" },
        new[] { "curl", "-s", "https://user@host/path", "-H", "Accept: text/plain" },
        new[] { "sh", "-c", "echo hello | grep -q hello && exit 0" },
        new[] { "check_foo", "--no-password", "-H", "h" },
        new[] { "redis-cli", "--askpass", "-h", "h", "-p", "6380" },
        new[] { "env", "PATH=/usr/bin", "LANG=C", "check_x" },
        new[] { "check_snmp", "-H", "h", "-o", "sysUpTime.0", "-P", "2c" },
        new[] { "check-tcp", "-H", "h", "-p", "80", "-s", "GET / HTTP/1.0\\r\\nHost: h\\r\\n", "-e", "200 OK" },
        new[] { "check_procs", "-C", "mysql", "-w", "1:" },
        new[] { "delay-checker", "-c", "3", "--", "check_disk", "-w", "10%", "-p", "/var" },
    };

    [Theory]
    [MemberData(nameof(Hidden))]
    public void Secrets_are_redacted_in_every_form(string[] argv, string shown)
    {
        var redacted = Secrets.Redact(argv);
        string.Join(' ', redacted).Should().Be(shown);
        Secrets.Redact(redacted).Should().Equal(redacted, "redacting twice changes nothing, so keys survive upgrades");
    }

    [Theory]
    [MemberData(nameof(Visible))]
    public void What_is_not_a_secret_stays_visible(string[] argv)
    {
        Secrets.Redact(argv).Should().Equal(argv);
        Secrets.Find(argv).Values.Should().BeEmpty();
    }

    [Fact]
    public void The_key_and_the_command_line_hold_no_secret()
    {
        var id = new CheckIdentity("delay-checker", "", ["curl", "-u", "admin:pa55word", "https://a:b1c2d3@h/?token=t0k3n9"]);
        foreach (var text in new[] { id.Key, id.CommandLine, string.Join(' ', id.Command) })
            text.Should().NotContain("pa55word").And.NotContain("b1c2d3").And.NotContain("t0k3n9");
    }

    [Fact]
    public void Output_is_scrubbed_of_the_secrets_of_its_command_but_short_values_are_left()
    {
        var redaction = Secrets.Find(["sh", "-c", "echo $0 $1", "--password", "hunter2", "--pw", "ab"]);
        Encoding.UTF8.GetString(redaction.Scrub(Encoding.UTF8.GetBytes("login hunter2 failed; hunter2 again; ab\n")))
            .Should().Be("login *** failed; *** again; ab\n");
        redaction.Scrub("nothing here").Should().Be("nothing here");
    }

    [Fact]
    public void A_password_files_lines_are_scrubbed_from_output()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "# comment\nfilepw123\n");
            var my = file + ".cnf";
            File.WriteAllText(my, "[client]\nuser = monitor\npassword = \"cnfpw456\"\n");
            var redaction = Secrets.Find(["check_foo", "--password-file", file, "--passfile=" + my], readSecretFiles: true);
            redaction.Scrub("bad password filepw123 or cnfpw456 for monitor").Should().Be("bad password *** or *** for monitor");
            File.Delete(my);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Shell_words_are_split_as_sh_splits_them()
    {
        ShellWords.Split("a 'b c' \"d\\\"e\" f\\ g;h|i").Select(w => w.Value).Should().Equal("a", "b c", "d\"e", "f g", "h", "i");
    }
}
