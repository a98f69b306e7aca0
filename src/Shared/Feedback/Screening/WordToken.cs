namespace Impact.Shared.Feedback.Screening;

/// <summary>
/// One word of a text: where it is, its normalised forms (lower case, unified apostrophes,
/// leetspeak and letter runs undone), whether it hides letters behind '*', its script, and
/// whether a sentence break separates it from the word before (phrases never cross one).
/// </summary>
internal sealed record WordToken(int Start, int Length, IReadOnlyList<string> Forms, bool Masked, bool Cyrillic, bool BreakBefore)
{
    /// <summary>The first normalised form.</summary>
    public string Norm => Forms[0];
}
