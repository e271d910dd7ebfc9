using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>TLS and certificate plugins. One line per plugin.</summary>
public static class TlsCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(CheckCrtExpiration.CheckCrtExpiration.Name, "alert when a certificate file is about to expire (kazeburo)", CheckCrtExpiration.CheckCrtExpiration.Main),
        new(MackerelPluginSslhandshakeTime.MackerelPluginSslhandshakeTime.Name, "DNS, TCP connect and TLS handshake time of one connection (ryuichi1208)", MackerelPluginSslhandshakeTime.MackerelPluginSslhandshakeTime.Main),
        new(CheckSslValidate.CheckSslValidate.Name, "verify a TLS server's certificate and alert before it expires (ryuichi1208, designed)", CheckSslValidate.CheckSslValidate.Main),
        new(CheckDosTls12.CheckDosTls12.Name, "alert when a TLS server still accepts deprecated versions (ryuichi1208, designed)", CheckDosTls12.CheckDosTls12.Main),
    ];
}
