namespace Impact.Shared.Feedback.Screening;

/// <summary>
/// The safety screener of SPEC §G: PII by checksummed detectors and libphonenumber, then
/// profanity, toxic and spam by whole-word lexicons (with inflections) over the text with the
/// PII blanked out, plus the shape signals of spam. Pure and deterministic; thread-safe (one
/// instance serves every caller).
/// </summary>
/// <remarks>
/// Scores: a category's score is its strongest hit plus a little for each further distinct hit,
/// capped so that profanity alone never reaches HIGH (0.85: queued, not held) while direct threats
/// and self-harm cues do (0.9–0.95); spam signals combine as independent evidence (1 − Π(1 − wᵢ)).
/// PII is MEDIUM, never HIGH: e-mail and phone 0.6, card, IBAN and national ids 0.8, +0.05 per
/// further match up to 0.85 — a reviewer sees every text with personal data, but the classifier
/// only ever receives <see cref="ScreeningResult.MaskedText"/>, so there is no reason to hold it.
/// </remarks>
public sealed class TextScreener : ITextScreener
{
    private const double ProfanityCap = 0.85;
    private const double PiiCap = 0.85;

    private readonly Lexicon _english = Lexicon.Load(LanguageGuess.English);
    private readonly Lexicon _norwegian = Lexicon.Load(LanguageGuess.Norwegian);
    private readonly Lexicon _ukrainian = Lexicon.Load(LanguageGuess.Ukrainian);

    /// <inheritdoc />
    public ScreeningResult Screen(string text, string? language = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pii = PiiDetector.Find(text, language);
        var blanked = Blank(text, pii);
        var words = WordScanner.Scan(blanked);

        // Cyrillic words always meet the Ukrainian list (no script overlap); Latin words meet the
        // lists of the language, English too in Norwegian and Ukrainian texts (people swear in English).
        Lexicon[] latin = language switch
        {
            LanguageGuess.English => [_english],
            LanguageGuess.Norwegian => [_norwegian, _english],
            LanguageGuess.Ukrainian => [_english],
            _ => [_english, _norwegian],
        };

        var hits = new Dictionary<string, List<(double Weight, string Reason)>>(StringComparer.Ordinal)
        {
            [SafetyCategories.Profanity] = [],
            [SafetyCategories.Spam] = [],
            [SafetyCategories.Toxic] = [],
        };
        var found = new List<(LexiconEntry Entry, int Words)>();
        for (var i = 0; i < words.Count; i++)
        {
            found.Clear();
            if (words[i].Cyrillic)
            {
                _ukrainian.MatchAt(words, i, found);
            }
            else
            {
                foreach (var lexicon in latin)
                {
                    lexicon.MatchAt(words, i, found);
                }
            }

            foreach (var (entry, _) in found)
            {
                hits[entry.Category].Add((entry.Weight, entry.Reason));
            }
        }

        SpamSignals.Collect(blanked, words, hits[SafetyCategories.Spam]);

        var scores = new List<CategoryScore>(4);
        foreach (var category in SafetyCategories.All)
        {
            scores.Add(category switch
            {
                SafetyCategories.Pii => PiiScore(pii),
                SafetyCategories.Spam => Combine(category, hits[category], independent: true, step: 0, cap: 1.0),
                SafetyCategories.Profanity => Combine(category, hits[category], independent: false, step: 0.1, cap: ProfanityCap),
                _ => Combine(category, hits[category], independent: false, step: 0.05, cap: 1.0),
            });
        }

        var highest = scores.Max(s => s.Score);
        var risk = highest switch
        {
            >= 0.9 => RiskLevel.High,
            >= 0.6 => RiskLevel.Medium,
            >= 0.3 => RiskLevel.Low,
            _ => RiskLevel.None,
        };

        return new ScreeningResult(scores, risk, pii, Mask(text, pii));
    }

    private static CategoryScore Combine(string category, List<(double Weight, string Reason)> hits, bool independent, double step, double cap)
    {
        // One reason counts once however often it occurs: "fuck fuck fuck" is one hit (and repeated words for spam).
        var distinct = hits.GroupBy(h => h.Reason, StringComparer.Ordinal).Select(g => (Weight: g.Max(h => h.Weight), Reason: g.Key)).ToList();
        if (distinct.Count == 0)
        {
            return new CategoryScore(category, 0, []);
        }

        double score;
        if (independent)
        {
            score = 1 - distinct.Aggregate(1.0, (rest, h) => rest * (1 - h.Weight));
        }
        else
        {
            score = distinct.Max(h => h.Weight) + step * (distinct.Count - 1);
        }

        return new CategoryScore(category, Math.Round(Math.Min(score, cap), 3), [.. distinct.OrderByDescending(h => h.Weight).Select(h => h.Reason)]);
    }

    private static CategoryScore PiiScore(IReadOnlyList<PiiMatch> pii)
    {
        if (pii.Count == 0)
        {
            return new CategoryScore(SafetyCategories.Pii, 0, []);
        }

        var strongest = pii.Max(p => p.Kind is PiiKinds.Email or PiiKinds.Phone ? 0.6 : 0.8);
        var score = Math.Min(strongest + 0.05 * (pii.Count - 1), PiiCap);
        return new CategoryScore(SafetyCategories.Pii, Math.Round(score, 3), [.. pii.Select(p => p.Kind).Distinct()]);
    }

    // The word lists never see PII (an address is not a word), and positions stay where they were.
    private static string Blank(string text, IReadOnlyList<PiiMatch> pii)
    {
        if (pii.Count == 0)
        {
            return text;
        }

        var chars = text.ToCharArray();
        foreach (var p in pii)
        {
            Array.Fill(chars, ' ', p.Start, p.Length);
        }

        return new string(chars);
    }

    private static string Mask(string text, IReadOnlyList<PiiMatch> pii)
    {
        if (pii.Count == 0)
        {
            return text;
        }

        var sb = new System.Text.StringBuilder(text.Length);
        var at = 0;
        foreach (var p in pii)
        {
            sb.Append(text, at, p.Start - at).Append(PiiKinds.Mask(p.Kind));
            at = p.Start + p.Length;
        }

        return sb.Append(text, at, text.Length - at).ToString();
    }
}
