// Benchmarks: `dotnet run -c Release --project bench -- <scenario>|all`.
// Each scenario measures a baseline in the same run and writes bench/results/<scenario>.md
// (bench/results/<scenario>-<arguments>.md when given arguments, e.g. `backfill 2000000`).
// They use the same local services as the tests (started if needed).
using System.Reflection;
using Impact.Bench;

var scenarios = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IScenario).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IScenario)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Name, StringComparer.Ordinal)
    .ToList();

var wanted = args.FirstOrDefault();
if (wanted is null || (wanted != "all" && scenarios.All(s => s.Name != wanted)))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- <scenario>|all");
    Console.Error.WriteLine("scenarios: " + string.Join(", ", scenarios.Select(s => s.Name)));
    return 2;
}

var resultsDir = Path.Combine(Impact.TestSupport.LocalServices.RepositoryRoot, "bench", "results");
Directory.CreateDirectory(resultsDir);
foreach (var scenario in scenarios.Where(s => wanted == "all" || s.Name == wanted))
{
    Console.WriteLine($"== {scenario.Name}");
    var extra = args.Skip(1).ToArray();
    var report = await scenario.RunAsync(extra);
    var command = string.Join(' ', [scenario.Name, .. extra]);
    var header = $"# {command}\n\nMeasured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, " +
                 $".NET {Environment.Version}, Release build. Command: `dotnet run -c Release --project bench -- {command}`.\n\n";
    // A run with its own arguments (e.g. another size) gets its own file: the default results stay.
    var path = Path.Combine(resultsDir, string.Join('-', [scenario.Name, .. extra]) + ".md");
    await File.WriteAllTextAsync(path, header + report);
    Console.WriteLine(report);
    Console.WriteLine($"-> {path}");
}

return 0;
