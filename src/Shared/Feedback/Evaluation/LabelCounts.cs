namespace Impact.Shared.Feedback.Evaluation;

/// <summary>
/// True positives, false positives and false negatives of one label, and the usual figures from them. A label
/// nobody predicted has precision 0 (not undefined) when it had support; <see cref="Defined"/> is false when it
/// neither occurred nor was predicted, and such labels stay out of macro averages.
/// </summary>
public sealed record LabelCounts(string Label, int TruePositives, int FalsePositives, int FalseNegatives)
{
    /// <summary>Texts that carry the label.</summary>
    public int Support => TruePositives + FalseNegatives;

    /// <summary>Texts the model gave the label.</summary>
    public int Predicted => TruePositives + FalsePositives;

    /// <summary>False when the label neither occurred nor was predicted (F1 undefined).</summary>
    public bool Defined => Support + Predicted > 0;

    /// <summary>TP / (TP + FP); 0 when nothing was predicted.</summary>
    public double Precision => Predicted == 0 ? 0 : (double)TruePositives / Predicted;

    /// <summary>TP / (TP + FN); 0 when there was no support.</summary>
    public double Recall => Support == 0 ? 0 : (double)TruePositives / Support;

    /// <summary>2·TP / (2·TP + FP + FN); 0 when undefined.</summary>
    public double F1 => Defined ? 2.0 * TruePositives / (2.0 * TruePositives + FalsePositives + FalseNegatives) : 0;

    /// <summary>Counts over paired gold and predicted label sets.</summary>
    public static IReadOnlyList<LabelCounts> Count(IReadOnlyList<string> labels, IEnumerable<(IReadOnlyCollection<string> Gold, IReadOnlyCollection<string> Predicted)> pairs)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(pairs);
        var tp = new int[labels.Count];
        var fp = new int[labels.Count];
        var fn = new int[labels.Count];
        foreach (var (gold, predicted) in pairs)
        {
            for (var i = 0; i < labels.Count; i++)
            {
                var g = gold.Contains(labels[i]);
                var p = predicted.Contains(labels[i]);
                if (g && p) tp[i]++;
                else if (p) fp[i]++;
                else if (g) fn[i]++;
            }
        }

        return labels.Select((l, i) => new LabelCounts(l, tp[i], fp[i], fn[i])).ToList();
    }

    /// <summary>Mean F1 over the defined labels; 0 when none is defined.</summary>
    public static double MacroF1(IEnumerable<LabelCounts> counts)
    {
        var defined = counts.Where(c => c.Defined).ToList();
        return defined.Count == 0 ? 0 : defined.Average(c => c.F1);
    }
}
