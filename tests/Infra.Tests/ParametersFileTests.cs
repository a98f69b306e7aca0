using System.Text.Json.Nodes;

namespace Impact.Infra.Tests;

/// <summary>infra/bicep/main.bicepparam: the deploy command's parameters, secrets from the environment.</summary>
public sealed class ParametersFileTests
{
    private static readonly Dictionary<string, string?> Deployer = new()
    {
        ["IMPACT_ENVIRONMENT"] = "test",
        ["POSTGRES_ADMIN_LOGIN"] = null,
        ["POSTGRES_ADMIN_PASSWORD"] = "correct-horse-battery",
        ["KINTELL_WEBHOOK_SECRETS"] = "whsec_new whsec_old",
        ["JWT_AUTHORITY"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
        ["JWT_AUDIENCE"] = null,
        ["CLIENT_IP_ADDRESS"] = null,
    };

    [Fact]
    public async Task ParametersFileTakesSecretsFromTheEnvironmentAndBuildsCleanly()
    {
        var result = await BicepCli.BuildParametersAsync(BicepCli.MainParameters, Deployer);

        Assert.True(result.IsClean, result.Describe());
        var parameters = JsonNode.Parse(JsonNode.Parse(result.Output)!["parametersJson"]!.GetValue<string>())!["parameters"]!;
        Assert.Equal("test", Value(parameters, "environmentName"));
        Assert.Equal("impactadmin", Value(parameters, "postgresAdminLogin"));
        Assert.Equal("correct-horse-battery", Value(parameters, "postgresAdminPassword"));
        Assert.Equal("whsec_new whsec_old", Value(parameters, "kintellWebhookSecrets"));
        Assert.Equal("api://impact-api", Value(parameters, "jwtAudience"));
    }

    [Fact]
    public async Task ParametersFileRefusesToBuildWithoutTheSecrets()
    {
        var withoutSecrets = new Dictionary<string, string?>(Deployer)
        {
            ["POSTGRES_ADMIN_PASSWORD"] = null,
            ["KINTELL_WEBHOOK_SECRETS"] = null,
        };

        var result = await BicepCli.BuildParametersAsync(BicepCli.MainParameters, withoutSecrets);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(result.Diagnostics, d => d.Level == "Error" && d.Line.Contains("POSTGRES_ADMIN_PASSWORD", StringComparison.Ordinal));
        Assert.Contains(result.Diagnostics, d => d.Level == "Error" && d.Line.Contains("KINTELL_WEBHOOK_SECRETS", StringComparison.Ordinal));
    }

    private static string? Value(JsonNode parameters, string name) => parameters[name]?["value"]?.GetValue<string>();
}
