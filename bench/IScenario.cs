namespace Impact.Bench;

/// <summary>One benchmark: measures its subject and a baseline in the same run, returns a Markdown report.</summary>
public interface IScenario
{
    string Name { get; }

    Task<string> RunAsync(string[] args);
}
