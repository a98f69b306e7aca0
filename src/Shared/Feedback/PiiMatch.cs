namespace Impact.Shared.Feedback;

/// <summary>Personal data found in a text: its kind (<c>email</c>, <c>phone</c>, <c>card</c>, <c>iban</c>, <c>fodselsnummer</c>, <c>rnokpp</c>) and where it is.</summary>
public sealed record PiiMatch(string Kind, int Start, int Length);
