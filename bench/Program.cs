// Benchmarks: `dotnet run -c Release --project bench -- <scenario>|all`.
// Each scenario measures a baseline in the same run and writes bench/results/<scenario>.md.
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
    var report = await scenario.RunAsync(args.Skip(1).ToArray());
    var header = $"# {scenario.Name}\n\nMeasured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, " +
                 $".NET {Environment.Version}, Release build. Command: `dotnet run -c Release --project bench -- {scenario.Name}`.\n\n";
    var path = Path.Combine(resultsDir, scenario.Name + ".md");
    await File.WriteAllTextAsync(path, header + report);
    Console.WriteLine(report);
    Console.WriteLine($"-> {path}");
}

return 0;
