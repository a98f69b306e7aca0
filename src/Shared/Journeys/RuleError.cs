namespace Impact.Shared.Journeys;

/// <summary>What is wrong with a rule: the field (a path like <c>conditions[1].op</c>), the line it is on, and why.</summary>
public sealed record RuleError(string Field, int? Line, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Line is { } line ? $"line {line}, {Field}: {Message}" : $"{Field}: {Message}";
}
