using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Corpus;
using Impact.Shared.Feedback.Screening;
using Xunit.Abstractions;

namespace Impact.Shared.Tests.Feedback.Screening;

/// <summary>
/// The acceptance figures of screening, asserted on the held-out split of corpus/safety and printed next to the
/// figures of the whole corpus (which the screener's rules were written against).
/// </summary>
public sealed class ScreeningCorpusTests(ITestOutputHelper output)
{
    private static readonly TextScreener Screener = new();

    [Fact]
    public void EveryLineCarriesTheSplitItsIdHashesTo()
    {
        foreach (var line in ScreeningCorpus.Traps.Concat(ScreeningCorpus.Positives).Concat(ScreeningCorpus.PiiCases))
        {
            Assert.True(CorpusSplit.For(line.Id) == line.Split, $"{line.Id}: split {line.Split}, the id hashes to {CorpusSplit.For(line.Id)}");
        }

        output.WriteLine($"held out: {ScreeningCorpus.HeldOutTraps.Count}/{ScreeningCorpus.Traps.Count} traps, " +
                         $"{ScreeningCorpus.HeldOutPositives.Count}/{ScreeningCorpus.Positives.Count} true positives, " +
                         $"{ScreeningCorpus.HeldOutPiiCases.Count}/{ScreeningCorpus.PiiCases.Count} PII cases");
        Assert.True(ScreeningCorpus.Traps.GroupBy(t => t.Lang).All(g => g.Count() >= 100), "at least 100 traps per language");
        Assert.All(new[] { ScreeningCorpus.HeldOutTraps, ScreeningCorpus.HeldOutPositives, ScreeningCorpus.HeldOutPiiCases },
            set => Assert.True(set.Count >= 40, $"{set.Count} held-out lines"));
    }

    [Fact]
    public void HeldOutTrapWordsRaiseNoProfanityOrToxicHitInAnyLanguageWithOrWithoutTheLanguage()
    {
        var heldOut = TrapFalsePositives(ScreeningCorpus.HeldOutTraps, "held out");
        var all = TrapFalsePositives(ScreeningCorpus.Traps, "all lines");
        Assert.True(heldOut.Count == 0, string.Join('\n', heldOut));
        Assert.True(all.Count == 0, string.Join('\n', all));
    }

    private List<string> TrapFalsePositives(IReadOnlyList<CorpusLine> traps, string set)
    {
        var failures = new List<string>();
        foreach (var group in traps.GroupBy(t => t.Lang).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var flagged = 0;
            foreach (var trap in group)
            {
                foreach (var language in new[] { trap.Lang, null })
                {
                    var result = Screener.Screen(trap.Text, language);
                    var hits = result.Scores.Where(s => s.Category is SafetyCategories.Profanity or SafetyCategories.Toxic && s.Score > 0).ToList();
                    if (hits.Count > 0)
                    {
                        flagged++;
                        failures.Add($"{trap.Id} ({language ?? "no language"}) \"{trap.Text}\": {string.Join(", ", hits.Select(h => $"{h.Category} {h.Score} [{string.Join(", ", h.Reasons)}]"))}");
                    }
                }
            }

            output.WriteLine($"{set}, {group.Key}: {group.Count()} trap lines, {flagged} false positives (screened with and without the language)");
        }

        return failures;
    }

    [Fact]
    public void HeldOutTruePositivesScoreInTheirCategoriesAndReachTheirRisk()
    {
        var heldOut = MissedPositives(ScreeningCorpus.HeldOutPositives, "held out");
        var all = MissedPositives(ScreeningCorpus.Positives, "all lines");
        Assert.True(heldOut.Count == 0, string.Join('\n', heldOut));
        Assert.True(all.Count == 0, string.Join('\n', all));
    }

    private List<string> MissedPositives(IReadOnlyList<CorpusLine> positives, string set)
    {
        var failures = new List<string>();
        foreach (var group in positives.GroupBy(p => p.Lang).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var caught = 0;
            foreach (var line in group)
            {
                var result = Screener.Screen(line.Text, line.Lang);
                var missing = line.Categories.Where(c => result.Scores.Single(s => s.Category == c).Score < 0.3).ToList();
                var risk = Enum.Parse<RiskLevel>(line.Risk!, ignoreCase: true);
                if (missing.Count == 0 && result.Risk >= risk)
                {
                    caught++;
                }
                else
                {
                    failures.Add($"{line.Id} \"{line.Text}\": expected {string.Join(",", line.Categories)} at {risk}, got {result.Risk} " +
                                 string.Join(" ", result.Scores.Select(s => $"{s.Category}={s.Score}")));
                }
            }

            output.WriteLine($"{set}, {group.Key}: {caught}/{group.Count()} true positives caught at their risk");
        }

        return failures;
    }

    [Fact]
    public void PiiRecallIsAtLeast99PercentAndPrecisionAtLeast98PercentOnTheHeldOutCases()
    {
        var (recall, precision) = PiiFigures(ScreeningCorpus.HeldOutPiiCases, "held out");
        PiiFigures(ScreeningCorpus.PiiCases, "all lines (the detectors were written against these)");
        Assert.True(recall >= 0.99, $"held-out PII recall {recall:F4} < 0.99");
        Assert.True(precision >= 0.98, $"held-out PII precision {precision:F4} < 0.98");
    }

    private (double Recall, double Precision) PiiFigures(IReadOnlyList<CorpusLine> cases, string set)
    {
        int truePositives = 0, falsePositives = 0, falseNegatives = 0;
        var misses = new List<string>();
        foreach (var line in cases)
        {
            foreach (var label in line.Pii)
            {
                Assert.Equal(label.Value, line.Text.Substring(label.Start, label.Length)); // the corpus itself is consistent
            }

            var found = Screener.Screen(line.Text, line.Lang).Pii;
            var expected = line.Pii.Select(p => (p.Kind, p.Start, p.Length)).ToHashSet();
            var actual = found.Select(p => (p.Kind, p.Start, p.Length)).ToHashSet();
            truePositives += actual.Intersect(expected).Count();
            foreach (var extra in actual.Except(expected))
            {
                falsePositives++;
                misses.Add($"false positive {line.Id} \"{line.Text}\": {extra.Kind} \"{line.Text.Substring(extra.Start, extra.Length)}\"");
            }

            foreach (var missed in expected.Except(actual))
            {
                falseNegatives++;
                misses.Add($"missed {line.Id} \"{line.Text}\": {missed.Kind} \"{line.Text.Substring(missed.Start, missed.Length)}\" ({line.Note})");
            }
        }

        var recall = truePositives / (double)(truePositives + falseNegatives);
        var precision = truePositives / (double)(truePositives + falsePositives);
        output.WriteLine($"PII cases, {set}: {cases.Count} lines, {truePositives + falseNegatives} labelled spans; " +
                         $"TP {truePositives}, FP {falsePositives}, FN {falseNegatives}; recall {recall:F4}, precision {precision:F4}");
        output.WriteLine("  labelled spans by kind: " + string.Join(", ", PiiKinds.All.Select(kind => $"{kind} {cases.SelectMany(l => l.Pii).Count(p => p.Kind == kind)}")));
        foreach (var miss in misses)
        {
            output.WriteLine("  " + miss);
        }

        return (recall, precision);
    }

    [Fact]
    public void MaskedTextNeverContainsALabelledPiiValueAndKeepsTheRest()
    {
        foreach (var line in ScreeningCorpus.PiiCases.Where(l => l.Pii.Count > 0))
        {
            var result = Screener.Screen(line.Text, line.Lang);
            foreach (var label in line.Pii)
            {
                Assert.DoesNotContain(label.Value, result.MaskedText, StringComparison.OrdinalIgnoreCase);
                Assert.Contains(PiiKinds.Mask(label.Kind), result.MaskedText, StringComparison.Ordinal);
            }

            Assert.Equal(line.Text[..line.Pii.Min(p => p.Start)], result.MaskedText[..line.Pii.Min(p => p.Start)]);
        }
    }
}
