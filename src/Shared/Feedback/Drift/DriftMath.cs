namespace Impact.Shared.Feedback.Drift;

/// <summary>
/// The two drift statistics of SPEC §I over a baseline distribution b and a recent distribution r of the same k bins
/// (counts, turned into proportions here).
/// <para>
/// <b>PSI</b> (population stability index), in <b>nats</b> (natural logarithm):
/// PSI = Σᵢ (rᵢ′ − bᵢ′) · ln(rᵢ′ / bᵢ′), where every proportion is first smoothed with ε = <see cref="Epsilon"/>:
/// pᵢ′ = (pᵢ + ε) / (1 + k·ε). Without the smoothing an empty bin on one side makes the logarithm infinite; with it an
/// empty bin contributes a large but finite term. Thresholds (§I): &gt; 0.1 warn, &gt; 0.2 alert.
/// </para>
/// <para>
/// <b>Jensen–Shannon divergence</b> (the divergence, not its square root the distance), in <b>bits</b> (log base 2), so it
/// lies in [0, 1]: JS = ½·KL(r ‖ m) + ½·KL(b ‖ m) with m = ½(r + b) and KL(p ‖ m) = Σᵢ pᵢ · log₂(pᵢ / mᵢ), on the raw
/// proportions: a term with pᵢ = 0 is 0 (the limit of p·log p), and mᵢ &gt; 0 whenever pᵢ &gt; 0, so no smoothing is needed.
/// </para>
/// Both are 0 for identical distributions.
/// </summary>
public static class DriftMath
{
    /// <summary>The smoothing added to every proportion before PSI.</summary>
    public const double Epsilon = 1e-4;

    /// <summary>PSI in nats of <paramref name="recent"/> against <paramref name="baseline"/> (counts per bin, same length, each with a positive total).</summary>
    public static double Psi(IReadOnlyList<long> baseline, IReadOnlyList<long> recent)
    {
        var (b, r) = Proportions(baseline, recent);
        var k = b.Length;
        var psi = 0.0;
        for (var i = 0; i < k; i++)
        {
            var bi = (b[i] + Epsilon) / (1 + k * Epsilon);
            var ri = (r[i] + Epsilon) / (1 + k * Epsilon);
            psi += (ri - bi) * Math.Log(ri / bi);
        }

        return psi;
    }

    /// <summary>Jensen–Shannon divergence in bits of the two distributions (counts per bin, same length, each with a positive total).</summary>
    public static double JensenShannon(IReadOnlyList<long> baseline, IReadOnlyList<long> recent)
    {
        var (b, r) = Proportions(baseline, recent);
        var js = 0.0;
        for (var i = 0; i < b.Length; i++)
        {
            var m = (b[i] + r[i]) / 2;
            if (r[i] > 0)
            {
                js += 0.5 * r[i] * Math.Log2(r[i] / m);
            }

            if (b[i] > 0)
            {
                js += 0.5 * b[i] * Math.Log2(b[i] / m);
            }
        }

        // Rounding can leave −1e-17 for identical inputs.
        return Math.Max(js, 0);
    }

    private static (double[] Baseline, double[] Recent) Proportions(IReadOnlyList<long> baseline, IReadOnlyList<long> recent)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(recent);
        if (baseline.Count != recent.Count || baseline.Count == 0)
        {
            throw new ArgumentException("Both distributions need the same, non-zero number of bins.");
        }

        double bTotal = baseline.Sum(), rTotal = recent.Sum();
        if (bTotal <= 0 || rTotal <= 0 || baseline.Any(c => c < 0) || recent.Any(c => c < 0))
        {
            throw new ArgumentException("Counts must be non-negative with a positive total on both sides.");
        }

        return (baseline.Select(c => c / bTotal).ToArray(), recent.Select(c => c / rTotal).ToArray());
    }
}
