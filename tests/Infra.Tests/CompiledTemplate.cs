using System.Text.Json.Nodes;

namespace Impact.Infra.Tests;

/// <summary>infra/bicep/main.bicep compiled once for all tests (a build takes a few seconds).</summary>
public sealed class CompiledTemplate : IAsyncLifetime
{
    public const string FunctionAppKind = "functionapp,linux";
    public const string StreamHostKind = "app,linux";

    private BicepBuildResult? build;
    private JsonObject? arm;

    public BicepBuildResult Build => build ?? throw new InvalidOperationException("The template was not built.");

    /// <summary>The compiled ARM template; a build that failed makes every test using it say why.</summary>
    public JsonObject Arm => arm ?? throw new InvalidOperationException("main.bicep does not compile. " + Build.Describe());

    public SiteAppSettings FunctionAppSettings => ArmTemplate.AppSettingsOfSite(Arm, FunctionAppKind);

    public SiteAppSettings StreamHostSettings => ArmTemplate.AppSettingsOfSite(Arm, StreamHostKind);

    public async Task InitializeAsync()
    {
        build = await BicepCli.BuildAsync(BicepCli.MainTemplate);
        arm = build.ExitCode == 0 ? JsonNode.Parse(build.Output) as JsonObject : null;
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

[CollectionDefinition(nameof(CompiledTemplate))]
public sealed class CompiledTemplateCollection : ICollectionFixture<CompiledTemplate>;
