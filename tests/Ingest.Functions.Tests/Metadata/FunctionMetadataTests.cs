using System.Text.Json;
using System.Text.RegularExpressions;
using Impact.TestSupport;

namespace Impact.Ingest.Tests.Metadata;

/// <summary>The built function metadata is what the Functions host indexes; the README's table must say the same.</summary>
public sealed partial class FunctionMetadataTests
{
    private sealed record Row(string Function, string Trigger, string Methods, string Target, string Auth);

    private static List<Row> FromMetadata()
    {
        var routePrefix = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "host.json")))
            .RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")));
        var rows = new List<Row>();
        foreach (var function in doc.RootElement.EnumerateArray())
        {
            var trigger = function.GetProperty("bindings").EnumerateArray()
                .Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
            var type = trigger.GetProperty("type").GetString()!;
            rows.Add(type switch
            {
                "httpTrigger" => new Row(function.GetProperty("name").GetString()!, "http",
                    string.Join(",", trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant())),
                    $"/{routePrefix}/{trigger.GetProperty("route").GetString()}",
                    Access(trigger.GetProperty("authLevel").GetString()!, function.GetProperty("entryPoint").GetString()!)),
                "queueTrigger" => new Row(function.GetProperty("name").GetString()!, "queue", "", trigger.GetProperty("queueName").GetString()!, ""),
                "timerTrigger" => new Row(function.GetProperty("name").GetString()!, "timer", "", trigger.GetProperty("schedule").GetString()!, ""),
                _ => new Row(function.GetProperty("name").GetString()!, type, "", "", ""),
            });
        }

        return rows;
    }

    // What the README's access column says: the Functions auth level, then who the declared policy lets in.
    private static string Access(string authLevel, string entryPoint)
    {
        var policy = Impact.Ingest.Http.FunctionPolicies.ForEntryPoint(entryPoint);
        var who = policy.IsPublic ? "public" : policy.IsPartnerWebhook ? "partner signature" : "bearer: " + string.Join(", ", policy.Roles.Select(r => r.Replace("Impact.", "", StringComparison.Ordinal)));
        return $"{authLevel.ToLowerInvariant()}; {who}";
    }

    private static List<Row> FromReadme()
    {
        var readme = File.ReadAllText(Path.Combine(LocalServices.RepositoryRoot, "README.md"));
        var table = TableBlock().Match(readme);
        Assert.True(table.Success, "README.md has no <!-- functions:begin --> ... <!-- functions:end --> table");
        return table.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith('|') && !l.StartsWith("| function", StringComparison.Ordinal) && !l.StartsWith("|---", StringComparison.Ordinal))
            .Select(l => l.Trim('|').Split('|').Select(c => c.Trim()).ToArray())
            .Select(c => new Row(c[0], c[1], c[2], c[3], c[4]))
            .ToList();
    }

    [Fact]
    public void EveryFunctionsRouteMethodsAuthQueueAndScheduleMatchTheReadme()
    {
        var built = FromMetadata().OrderBy(r => r.Function, StringComparer.Ordinal).ToList();
        var documented = FromReadme().OrderBy(r => r.Function, StringComparer.Ordinal).ToList();

        Assert.NotEmpty(built);
        Assert.Equal(documented, built);
    }

    [Fact]
    public void QueueNamesResolveToValidStorageQueueNamesWithTheSampleSettings()
    {
        // An invalid queue name silently disables that one function under the host.
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(LocalServices.RepositoryRoot, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");
        var queues = FromMetadata().Where(r => r.Trigger == "queue").ToList();

        Assert.NotEmpty(queues);
        foreach (var q in queues)
        {
            var resolved = SettingReference().Replace(q.Target, m => values.GetProperty(m.Groups[1].Value).GetString()!);
            Assert.Matches("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", resolved);
        }
    }

    [GeneratedRegex(@"<!-- functions:begin -->(.*?)<!-- functions:end -->", RegexOptions.Singleline)]
    private static partial Regex TableBlock();

    [GeneratedRegex("%([A-Za-z0-9_]+)%")]
    private static partial Regex SettingReference();
}
