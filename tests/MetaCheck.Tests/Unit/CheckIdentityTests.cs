using MetaCheck.State;

namespace MetaCheck.Tests.Unit;

/// <summary>Check keys, their short handles, secret redaction and shell quoting, in process.</summary>
public sealed class CheckIdentityTests
{
    [Theory]
    [InlineData("check_mysql -H db -p hunter2", "check_mysql -H db -p ***")]
    [InlineData("check_mysql_query -p hunter2 -q x", "check_mysql_query -p *** -q x")]
    [InlineData("/usr/lib/nagios/plugins/check_mysql -phunter2", "/usr/lib/nagios/plugins/check_mysql -p***")]
    [InlineData("mysql -uroot -phunter2", "mysql -uroot -p***")]
    [InlineData("mysql -p", "mysql -p")]                          // asks on the terminal: nothing to hide
    [InlineData("mysql -p db", "mysql -p db")]                    // the client's -p takes no separate value
    [InlineData("check_mysql -H db -p", "check_mysql -H db -p")]  // nothing follows
    [InlineData("x --user=password", "x --user=password")]        // the value is not the name
    [InlineData("mysqladmin -phunter2", "mysqladmin -p***")]
    [InlineData("mysqldump -phunter2", "mysqldump -p***")]
    [InlineData("mysqlshow -phunter2", "mysqlshow -p***")]
    [InlineData("mysqlcheck -phunter2", "mysqlcheck -p***")]
    [InlineData("mariadb -phunter2", "mariadb -p***")]
    [InlineData("mariadb-admin -phunter2", "mariadb-admin -p***")]
    [InlineData("mariadb-dump -phunter2", "mariadb-dump -p***")]
    [InlineData("mariadb-check -phunter2", "mariadb-check -p***")]
    [InlineData("check-tcp -p 3306", "check-tcp -p 3306")]            // elsewhere -p is a port
    [InlineData("mysql --port 3306 -phunter2", "mysql --port 3306 -p***")]
    [InlineData("x --password hunter2 y", "x --password *** y")]
    [InlineData("x --password=hunter2", "x --password=***")]
    [InlineData("x -password=hunter2", "x -password=***")]
    [InlineData("x --passwd hunter2", "x --passwd ***")]
    [InlineData("x --db-pass hunter2", "x --db-pass ***")]            // a name that ends with a secret word
    [InlineData("x --passenger hunter2", "x --passenger hunter2")]    // a name that only starts with one
    [InlineData("x --pass hunter2", "x --pass ***")]
    [InlineData("x --client-secret hunter2", "x --client-secret ***")]
    [InlineData("x -token hunter2", "x -token ***")]
    [InlineData("x --APIKEY=hunter2", "x --APIKEY=***")]
    [InlineData("x --api-key hunter2", "x --api-key ***")]
    [InlineData("x --api_key hunter2", "x --api_key ***")]
    [InlineData("x --credentials hunter2", "x --credentials ***")]
    [InlineData("x --password", "x --password")]                      // nothing follows
    [InlineData("x - --password hunter2", "x - --password ***")]
    [InlineData("x -- --password hunter2", "x -- --password ***")]
    [InlineData("delay-checker -- check_mysql -p hunter2", "delay-checker -- check_mysql -p ***")] // the program after -- decides
    [InlineData("sh -c 'check_mysql -p hunter2'", "sh -c 'check_mysql -p ***'")] // a script is split into words and redacted alike
    public void Secrets_are_replaced_by_stars(string argv, string redacted) =>
        Secrets.Redact(GrammarTests.Split(argv)).Should().Equal(GrammarTests.Split(redacted));

    [Theory]
    [InlineData("plain-word_1./=:,+@%^", "plain-word_1./=:,+@%^")]
    [InlineData("", "''")]
    [InlineData("a b", "'a b'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$HOME", "'$HOME'")]
    [InlineData("*", "'*'")]
    [InlineData("日本", "'日本'")]
    public void Shell_quoting_leaves_plain_words_alone(string arg, string quoted) => ShellQuote.Quote(arg).Should().Be(quoted);

    [Fact]
    public void The_short_id_is_FNV_1a_64_in_hex()
    {
        CheckIdentity.ShortId("").Should().Be("cbf29ce484222325");
        CheckIdentity.ShortId("a").Should().Be("af63dc4c8601ec8c");
    }

    [Fact]
    public void A_key_parses_back_into_its_parts()
    {
        var id = new CheckIdentity("delay-checker", "db", ["check_mysql", "-p", "hunter2", "a;b:c", ""], ["-c", "3"]);
        CheckIdentity.ParseKey(id.Key).Should().Equal("delay-checker", "db", "2", "-c", "3", "check_mysql", "-p", "***", "a;b:c", "");
        (id.CommandLine, id.OptionsLine).Should().Be(("check_mysql -p '***' 'a;b:c' ''", "-c 3"));
        CheckIdentity.ParseKey("3:abc;").Should().Equal("abc");
        CheckIdentity.ParseKey("").Should().BeEmpty();
        foreach (var bad in new[] { "3:abcd", "x:a;", "-1:;", "3:ab", "3:abc", "2:abc;" }) CheckIdentity.ParseKey(bad).Should().BeNull(bad);
    }

    [Fact]
    public void Options_are_part_of_the_key()
    {
        var plain = new CheckIdentity("delay-checker", "", ["true"]);
        plain.Options.Should().BeEmpty();
        plain.Key.Should().Be(new CheckIdentity("delay-checker", "", ["true"], []).Key);
        plain.Key.Should().NotBe(new CheckIdentity("delay-checker", "", ["true"], ["-c", "2"]).Key);
    }
}
