using System.Text.RegularExpressions;

namespace Impact.Infra.Tests;

[Collection(nameof(CompiledTemplate))]
public sealed partial class AppSettingsTests(CompiledTemplate template)
{
    [Fact]
    public void EverySampleSettingHasAnAppSettingInTheFunctionApp()
    {
        var missing = SettingsContract.MissingFromBicep(SettingsContract.SampleKeys(), template.FunctionAppSettings.Names);

        Assert.True(missing.Count == 0,
            $"local.settings.sample.json has settings the Functions app does not get in Azure: {string.Join(", ", missing)}. "
            + "Add them to the appSettings object in infra/bicep/modules/functionapp.bicep "
            + "(or, if they only make sense locally, to SettingsContract.LocalOnly with the reason).");
    }

    [Fact]
    public void EveryFunctionAppSettingIsInTheSampleOrListedAsAzureOnly()
    {
        var unknown = SettingsContract.MissingFromSample(SettingsContract.SampleKeys(), template.FunctionAppSettings.Names);

        Assert.True(unknown.Count == 0,
            $"infra/bicep/modules/functionapp.bicep sets settings that local.settings.sample.json lacks: {string.Join(", ", unknown)}. "
            + "Add them to the sample with a local value (or, if they exist only in Azure, to SettingsContract.AzureOnly with the reason).");
    }

    [Fact]
    public void ASettingAddedOnlyToTheSampleIsReportedMissingFromBicep()
    {
        var sample = SettingsContract.SampleKeys().Append("Backfill__BatchSize");

        var missing = SettingsContract.MissingFromBicep(sample, template.FunctionAppSettings.Names);

        Assert.Contains("Backfill__BatchSize", missing);
    }

    [Fact]
    public void ASettingAddedOnlyToBicepIsReportedMissingFromTheSample()
    {
        var bicep = template.FunctionAppSettings.Names.Append("Privacy__ExportLinkMinutes");

        var unknown = SettingsContract.MissingFromSample(SettingsContract.SampleKeys(), bicep);

        Assert.Contains("Privacy__ExportLinkMinutes", unknown);
    }

    [Fact]
    public void TheSampleStorageConnectionMapsToTheWholeIdentityTrio()
    {
        var withoutClientId = template.FunctionAppSettings.Names.Where(n => n != "AzureWebJobsStorage__clientId");

        var missing = SettingsContract.MissingFromBicep(SettingsContract.SampleKeys(), withoutClientId);

        Assert.Contains("AzureWebJobsStorage__clientId (for AzureWebJobsStorage)", missing);
        Assert.Equal("managedidentity", template.FunctionAppSettings.Values["AzureWebJobsStorage__credential"]);
    }

    [Theory]
    [InlineData(CompiledTemplate.FunctionAppKind)]
    [InlineData(CompiledTemplate.StreamHostKind)]
    public void SettingsThatHoldSecretsAreKeyVaultReferences(string siteKind)
    {
        var settings = ArmTemplate.AppSettingsOfSite(template.Arm, siteKind);
        var secrets = settings.Names.Where(name => SecretName().IsMatch(name)).ToList();

        Assert.Contains("Postgres__ConnectionString", secrets);
        Assert.All(secrets, name =>
        {
            var origin = settings.Origin(name);
            Assert.True(
                origin.StartsWith("[format('@Microsoft.KeyVault(SecretUri={0})', reference(resourceId('Microsoft.KeyVault/vaults/secrets'", StringComparison.Ordinal),
                $"{name} on the '{siteKind}' site must be a Key Vault reference to a secret, but its value comes from {origin}");
        });
    }

    // Names that carry credentials by convention (the last part of a "Section__Name" key).
    [GeneratedRegex("(ConnectionString|Secrets?|Password|Key)$")]
    private static partial Regex SecretName();
}
