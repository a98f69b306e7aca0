using Impact.Shared.Feedback.Corpus;

namespace Impact.Shared.Feedback.Embedded;

/// <summary>
/// Trains the embedded classifier from the corpus TRAINING split only: one L2-regularised logistic regression
/// per label key over <see cref="TextFeatures"/> (binary features seen in at least two training texts, each
/// text's vector scaled to unit length), by stochastic gradient descent in a seeded order, positives weighted
/// by √(negatives/positives). Each label's decision threshold is chosen by 5-fold cross-validation inside the
/// training split (best F1 of the out-of-fold probabilities). Same corpus → same model, bit for bit.
/// </summary>
public static class EmbeddedModelTrainer
{
    private const int Epochs = 30;
    private const double LearningRate = 0.5;
    private const double L2 = 1e-5;
    private const int MinDocumentFrequency = 2;
    private const int Folds = 5;
    private const double PruneBelow = 0.02;

    /// <summary>How the model is built, stored in the model file.</summary>
    public const string Recipe =
        "logistic regression per label over words, word pairs and in-word character 3-4-grams (df>=2, unit-length binary vectors); " +
        "SGD 30 epochs, lr 0.5, L2 1e-5, seeded order, positives weighted sqrt(neg/pos); thresholds by 5-fold CV F1 on the training split";

    /// <summary>
    /// The labelled (non-decoy) records of the training split, in id order; throws if a held-out record is passed in,
    /// so nothing can train on the evaluation part by accident.
    /// </summary>
    public static EmbeddedModel Train(IEnumerable<CorpusRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var docs = records.Where(r => !r.IsDecoy).OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        var heldOut = docs.FirstOrDefault(r => r.Split != CorpusSplit.Train);
        if (heldOut is not null)
        {
            throw new ArgumentException($"{heldOut.Id} belongs to the held-out split: train only on {CorpusSplit.Train}.", nameof(records));
        }

        var featureSets = docs.Select(d => TextFeatures.Extract(TextFeatures.Tokenize(d.Text)).Select(f => f.Name).ToList()).ToList();
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var set in featureSets)
        {
            foreach (var f in set)
            {
                df[f] = df.GetValueOrDefault(f) + 1;
            }
        }

        var vocabulary = df.Where(kv => kv.Value >= MinDocumentFrequency).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
        var index = vocabulary.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i, StringComparer.Ordinal);
        var vectors = featureSets.Select(set => Vector(set, index)).ToList();
        var keysOf = docs.Select(d => Q2QLabelCatalog.KeysOf(d.Labels!).ToHashSet(StringComparer.Ordinal)).ToList();
        var folds = docs.Select(d => CorpusSplit.Bucket("fold:" + d.Id, Folds)).ToList();

        var labels = new List<EmbeddedModel.Label>();
        foreach (var key in TrainedKeys)
        {
            var y = keysOf.Select(k => k.Contains(key)).ToArray();
            var outOfFold = new double[docs.Count];
            for (var fold = 0; fold < Folds; fold++)
            {
                var trainRows = Enumerable.Range(0, docs.Count).Where(i => folds[i] != fold).ToList();
                var (w, b) = Fit(vectors, y, trainRows, vocabulary.Count, key);
                foreach (var i in Enumerable.Range(0, docs.Count).Where(i => folds[i] == fold))
                {
                    outOfFold[i] = Sigmoid(Score(vectors[i], w, b));
                }
            }

            var threshold = BestThreshold(outOfFold, y);
            var (weights, bias) = Fit(vectors, y, Enumerable.Range(0, docs.Count).ToList(), vocabulary.Count, key);
            var kept = Enumerable.Range(0, weights.Length).Where(i => Math.Abs(weights[i]) >= PruneBelow).ToList();
            labels.Add(new EmbeddedModel.Label(key, Round(bias), threshold, y.Count(v => v), kept, kept.Select(i => Round(weights[i])).ToList()));
        }

        return new EmbeddedModel(
            EmbeddedModel.CurrentModelId, EmbeddedModel.CurrentPromptVersion, Recipe,
            docs.Select(d => d.Id).ToList(), vocabulary, labels);
    }

    /// <summary>The keys with a model of their own; <c>language_comfort.medium</c> is what remains when neither low nor high fires.</summary>
    public static IReadOnlyList<string> TrainedKeys { get; } =
        Q2QLabelCatalog.AllKeys.Where(k => k != Q2QLabelCatalog.LanguageComfortPrefix + "medium").ToList();

    private static (int[] Indices, double Value) Vector(List<string> features, Dictionary<string, int> index)
    {
        var indices = features.Where(index.ContainsKey).Select(f => index[f]).Distinct().Order().ToArray();
        return (indices, indices.Length == 0 ? 0 : 1 / Math.Sqrt(indices.Length));
    }

    private static (double[] Weights, double Bias) Fit(List<(int[] Indices, double Value)> x, bool[] y, List<int> rows, int dimensions, string key)
    {
        var w = new double[dimensions];
        var b = 0.0;
        var positives = rows.Count(i => y[i]);
        var negatives = rows.Count - positives;
        if (positives == 0)
        {
            return (w, -10);
        }

        var positiveWeight = Math.Clamp(Math.Sqrt((double)negatives / positives), 1, 6);
        // The seed depends on the label only, so each label's training is reproducible on its own.
        var random = new Random(CorpusSplit.Bucket("seed:" + key, int.MaxValue));
        var order = rows.ToArray();
        var step = 0;
        for (var epoch = 0; epoch < Epochs; epoch++)
        {
            random.Shuffle(order);
            foreach (var i in order)
            {
                var rate = LearningRate / (1 + 0.0005 * step++);
                var (indices, value) = x[i];
                var p = Sigmoid(Score(x[i], w, b));
                var g = (p - (y[i] ? 1 : 0)) * (y[i] ? positiveWeight : 1);
                foreach (var j in indices)
                {
                    w[j] -= rate * (g * value + L2 * w[j]);
                }

                b -= rate * g * 0.1;
            }
        }

        return (w, b);
    }

    private static double Score((int[] Indices, double Value) x, double[] w, double b)
    {
        var s = b;
        foreach (var j in x.Indices)
        {
            s += w[j] * x.Value;
        }

        return s;
    }

    private static double BestThreshold(double[] probabilities, bool[] y)
    {
        var best = 0.5;
        var bestF1 = -1.0;
        for (var t = 0.10; t <= 0.901; t += 0.05)
        {
            var threshold = Math.Round(t, 2);
            int tp = 0, fp = 0, fn = 0;
            for (var i = 0; i < y.Length; i++)
            {
                var predicted = probabilities[i] >= threshold;
                if (predicted && y[i]) tp++;
                else if (predicted) fp++;
                else if (y[i]) fn++;
            }

            var f1 = tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
            // Ties go to the threshold nearest 0.5.
            if (f1 > bestF1 + 1e-12 || (Math.Abs(f1 - bestF1) <= 1e-12 && Math.Abs(threshold - 0.5) < Math.Abs(best - 0.5)))
            {
                bestF1 = f1;
                best = threshold;
            }
        }

        return best;
    }

    private static double Round(double v) => Math.Round(v, 4);

    internal static double Sigmoid(double s) => 1 / (1 + Math.Exp(-s));
}
