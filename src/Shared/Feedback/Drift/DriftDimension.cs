namespace Impact.Shared.Feedback.Drift;

/// <summary>One outcome dimension of a drift check: its label bins with the counts of both windows, PSI (nats) and JS divergence (bits).</summary>
/// <param name="Dimension">The outcome dimension.</param>
/// <param name="Bins">The label bins (<see cref="DriftBins"/>).</param>
/// <param name="Baseline">Scored texts per bin in the baseline window.</param>
/// <param name="Recent">Scored texts per bin in the recent window.</param>
/// <param name="Psi">PSI in nats; null when a window was too small.</param>
/// <param name="JsDivergence">Jensen–Shannon divergence in bits; null when a window was too small.</param>
/// <param name="Status">The dimension's status by its PSI.</param>
public sealed record DriftDimension(string Dimension, IReadOnlyList<string> Bins, IReadOnlyList<long> Baseline, IReadOnlyList<long> Recent,
    double? Psi, double? JsDivergence, string Status);
