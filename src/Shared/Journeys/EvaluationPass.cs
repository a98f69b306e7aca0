namespace Impact.Shared.Journeys;

/// <summary>What one evaluator pass did: events read, users evaluated, flag and milestone changes written.</summary>
public sealed record EvaluationPass(int Events, int Users, int Changes);
