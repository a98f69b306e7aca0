namespace Impact.Shared.Feedback.Screening;

/// <summary>One word position of a lexicon entry: the surface forms it accepts, whether it may be absent, or whether it is a word that must not follow.</summary>
internal sealed record LexiconSlot(IReadOnlySet<string> Forms, bool Optional, bool Negative = false)
{
    public bool Matches(WordToken token)
    {
        if (token.Masked)
        {
            return MatchesMasked(token.Norm);
        }

        foreach (var form in token.Forms)
        {
            if (Forms.Contains(form))
            {
                return true;
            }
        }

        return false;
    }

    // "f*ck", "f**k", "sh*t": each '*' stands for one letter; at least two letters must be visible, the first among them.
    private bool MatchesMasked(string masked)
    {
        if (masked[0] == '*' || masked.Count(char.IsLetter) < 2)
        {
            return false;
        }

        foreach (var form in Forms)
        {
            if (form.Length != masked.Length)
            {
                continue;
            }

            var same = true;
            for (var k = 0; k < form.Length && same; k++)
            {
                same = masked[k] == '*' ? char.IsLetter(form[k]) : masked[k] == form[k];
            }

            if (same)
            {
                return true;
            }
        }

        return false;
    }
}
