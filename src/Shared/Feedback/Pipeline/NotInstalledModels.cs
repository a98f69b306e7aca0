namespace Impact.Shared.Feedback.Pipeline;

/// <summary>
/// The stand-in until the screener is merged (feat/q2q-screening): it fails closed. Screening throws, so no
/// text goes past it unscreened (the queue retries and then marks it failed). Registered with TryAdd, so the
/// real implementation replaces it.
/// </summary>
public static class NotInstalledModels
{
    /// <summary>Screening is not installed: every call throws.</summary>
    public sealed class Screener : ITextScreener
    {
        /// <inheritdoc />
        public ScreeningResult Screen(string text, string? language = null) =>
            throw new InvalidOperationException("No safety screener is installed (AddSafetyScreening); texts wait unscreened.");
    }
}
