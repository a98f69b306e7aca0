namespace Impact.Shared.Feedback;

/// <summary>Safety screening (SPEC §G): runs before anything else sees a text. Pure and deterministic.</summary>
public interface ITextScreener
{
    /// <summary>Screens <paramref name="text"/>; <paramref name="language"/> (<c>en|uk|no</c>) narrows the word lists when known, null screens with all three.</summary>
    ScreeningResult Screen(string text, string? language = null);
}
