namespace Impact.Shared.Feedback.Screening;

/// <summary>The kinds of <see cref="PiiMatch"/> and the mask each is replaced with in <see cref="ScreeningResult.MaskedText"/>.</summary>
public static class PiiKinds
{
    /// <summary>An e-mail address.</summary>
    public const string Email = "email";
    /// <summary>A phone number (international, or Norwegian/Ukrainian local format), valid per libphonenumber.</summary>
    public const string Phone = "phone";
    /// <summary>A payment card number, 13–19 digits, Luhn valid.</summary>
    public const string Card = "card";
    /// <summary>An IBAN of the right length for its country, mod-97 valid.</summary>
    public const string Iban = "iban";
    /// <summary>A Norwegian fødselsnummer or D-number, both control digits and the date valid.</summary>
    public const string Fodselsnummer = "fodselsnummer";
    /// <summary>A Ukrainian RNOKPP (taxpayer number), check digit valid.</summary>
    public const string Rnokpp = "rnokpp";

    /// <summary>All kinds.</summary>
    public static readonly IReadOnlyList<string> All = [Email, Phone, Card, Iban, Fodselsnummer, Rnokpp];

    /// <summary>The mask that replaces a match of <paramref name="kind"/>: <c>[email]</c>, <c>[phone]</c>, <c>[card]</c>, <c>[iban]</c>, <c>[fnr]</c>, <c>[rnokpp]</c>.</summary>
    public static string Mask(string kind) => kind switch
    {
        Fodselsnummer => "[fnr]",
        _ => "[" + kind + "]",
    };
}
