namespace Impact.Infra.Tests;

[Collection(nameof(CompiledTemplate))]
public sealed class BicepBuildTests(CompiledTemplate template)
{
    [Fact]
    public void MainTemplateBuildsWithoutErrorsOrLinterWarnings()
    {
        Assert.True(template.Build.IsClean, template.Build.Describe());
    }

    [Fact]
    public async Task ALinterWarningFromTheRepositoryConfigIsReported()
    {
        // explicit-values-for-loc-params is off in Bicep's defaults and a warning in our
        // bicepconfig.json: seeing it proves the config applies and that a warning is caught.
        var copy = CopyOfInfra();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(copy, "modules", "probe.bicep"),
                "param location string = resourceGroup().location\noutput location string = location\n");
            await File.AppendAllTextAsync(Path.Combine(copy, "main.bicep"),
                "\nmodule probe 'modules/probe.bicep' = {\n  name: 'probe'\n}\n");

            var result = await BicepCli.BuildAsync(Path.Combine(copy, "main.bicep"));

            Assert.False(result.IsClean);
            Assert.Contains(result.Diagnostics, d => d is { Level: "Warning", Code: "explicit-values-for-loc-params" });
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static string CopyOfInfra()
    {
        var source = Path.GetDirectoryName(BicepCli.MainTemplate)!;
        var target = Path.Combine(Path.GetTempPath(), "impact-bicep-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }
}
