namespace Impact.Shared.Feedback;

/// <summary>The words behind a label: the snippet (PII masked), the label it supports, and its position in the masked text.</summary>
public sealed record EvidenceItem(string Snippet, string Label, int Start, int Length);
