using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Screening;

namespace Impact.Shared.Tests.Feedback.Screening;

public sealed class PiiDetectionTests
{
    private static readonly TextScreener Screener = new();

    // Each valid number next to the same number with one digit changed: the checksum decides.
    [Theory]
    [InlineData(PiiKinds.Card, "4111 1111 1111 1111", "4111 1111 1111 1112")]
    [InlineData(PiiKinds.Card, "4318609139099607", "4318609139099617")]
    [InlineData(PiiKinds.Card, "3730-824628-19480", "3730-824628-19481")]
    [InlineData(PiiKinds.Card, "5219 9351 8190 9378", "5219 9351 8190 9478")]
    [InlineData(PiiKinds.Iban, "NO93 8601 1117 947", "NO93 8601 1117 948")]
    [InlineData(PiiKinds.Iban, "GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 33")]
    [InlineData(PiiKinds.Iban, "DE89370400440532013000", "DE89370400440532013001")]
    [InlineData(PiiKinds.Iban, "UA21 3223 1300 0002 6007 2335 6600 1", "UA21 3223 1300 0002 6007 2335 6600 2")]
    [InlineData(PiiKinds.Fodselsnummer, "15076320206", "15076320207")]
    [InlineData(PiiKinds.Fodselsnummer, "020554 03786", "020554 03787")]
    [InlineData(PiiKinds.Fodselsnummer, "68019804899", "68019804898")]
    [InlineData(PiiKinds.Rnokpp, "3207190832", "3207190833")]
    [InlineData(PiiKinds.Rnokpp, "2131716610", "2131716611")]
    public void AValidNumberIsPiiAndTheSameNumberWithOneDigitChangedIsNot(string kind, string valid, string changed)
    {
        var found = Screener.Screen($"nummer: {valid} takk").Pii;
        var match = Assert.Single(found);
        Assert.Equal((kind, 8, valid.Length), (match.Kind, match.Start, match.Length));

        var notFound = Screener.Screen($"nummer: {changed} takk");
        Assert.Empty(notFound.Pii);
        Assert.Contains(changed, notFound.MaskedText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("31029912345")] // 31 February
    [InlineData("01015000064")] // individual number 000–499 is 1900–1999, but the control digits fail
    public void AFodselsnummerWithAnImpossibleDateOrControlDigitIsNotPii(string value) =>
        Assert.Empty(Screener.Screen("fnr " + value, LanguageGuess.Norwegian).Pii);

    [Fact]
    public void AnRnokppForABirthDateBefore1927IsNotPii() =>
        // Valid check digit, but its first five digits (days since 1899) put the birth in 1900.
        Assert.DoesNotContain(Screener.Screen("РНОКПП 0012345674", LanguageGuess.Ukrainian).Pii, p => p.Kind == PiiKinds.Rnokpp);

    [Theory]
    [InlineData("Ring meg på +47 412 34 567.", "+47 412 34 567", "no")]
    [InlineData("Ring meg på +4741234567.", "+4741234567", "no")]
    [InlineData("Mobil 0047 41 23 45 67", "0047 41 23 45 67", "no")]
    [InlineData("Du når meg på 412 34 567.", "412 34 567", "no")]
    [InlineData("Nummeret mitt er 41 23 45 67", "41 23 45 67", "no")]
    [InlineData("Send sms til 41234567", "41234567", "no")]
    [InlineData("Мій номер +380 67 123 45 67", "+380 67 123 45 67", "uk")]
    [InlineData("Пишіть +38 (067) 123-45-67", "+38 (067) 123-45-67", "uk")]
    [InlineData("Мобільний 067 123 45 67", "067 123 45 67", "uk")]
    [InlineData("Мобільний (050) 123-45-67", "(050) 123-45-67", "uk")]
    [InlineData("My Ukrainian number is 0671234567.", "0671234567", "en")]
    [InlineData("My Norwegian number is 412 34 567.", "412 34 567", null)]
    [InlineData("Call +44 20 7031 3000 tomorrow", "+44 20 7031 3000", "en")]
    [InlineData("Call +1 650 253 0000 tomorrow", "+1 650 253 0000", "en")]
    public void PhoneNumbersInInternationalAndLocalFormatsAreFound(string text, string number, string? language)
    {
        var match = Assert.Single(Screener.Screen(text, language).Pii);
        Assert.Equal((PiiKinds.Phone, text.IndexOf(number, StringComparison.Ordinal), number.Length), (match.Kind, match.Start, match.Length));
    }

    [Theory]
    [InlineData("Ordre 48213377 er sendt.")]               // an order number shaped like a mobile
    [InlineData("Vi var 41234567 ganger der.")]            // a bare 8-digit run with no phone word is not a phone
    [InlineData("Номер замовлення № 0671234567")]
    [InlineData("The next session is on 12.05.2024.")]
    [InlineData("I worked there 2019-2023.")]
    [InlineData("Husleia er kr 12 500 000.")]
    [InlineData("Invalid range +47 123 45 678")]
    [InlineData("Kontonummer 1234.56.78903")]
    public void NumbersThatAreNotPhoneNumbersAreNotFound(string text) =>
        Assert.Empty(Screener.Screen(text).Pii);

    [Fact]
    public void EMailAddressesAreFoundWithoutTrailingPunctuation()
    {
        const string text = "Skriv til anna-marie.berg@uio.no. Eller Maria.Hansen@Outlook.com!";
        var found = Screener.Screen(text).Pii;
        Assert.Equal(
            [(PiiKinds.Email, "anna-marie.berg@uio.no"), (PiiKinds.Email, "Maria.Hansen@Outlook.com")],
            found.Select(p => (p.Kind, text.Substring(p.Start, p.Length))));
    }

    [Fact]
    public void EachMatchIsReplacedByItsTypedMask()
    {
        var result = Screener.Screen("Mail olga@example.com, tlf +47 412 34 567, kort 4111 1111 1111 1111, IBAN NO93 8601 1117 947, fnr 15076320206, РНОКПП 3207190832.");
        Assert.Equal("Mail [email], tlf [phone], kort [card], IBAN [iban], fnr [fnr], РНОКПП [rnokpp].", result.MaskedText);
        Assert.Equal(PiiKinds.All, result.Pii.Select(p => p.Kind));
    }

    [Fact]
    public void PiiIsMediumEvenWhenSeveralNumbersAreFoundSoItIsClassifiedAndQueuedNotHeld()
    {
        var email = Screener.Screen("olga@example.com");
        var national = Screener.Screen("fnr 15076320206");
        var many = Screener.Screen("olga@example.com, +47 412 34 567, 4111 1111 1111 1111, NO93 8601 1117 947, 15076320206, 3207190832");

        Assert.Equal((RiskLevel.Medium, 0.6), (email.Risk, Pii(email)));
        Assert.Equal((RiskLevel.Medium, 0.8), (national.Risk, Pii(national)));
        Assert.Equal((RiskLevel.Medium, 0.85), (many.Risk, Pii(many)));
        Assert.Equal([PiiKinds.Email, PiiKinds.Phone, PiiKinds.Card, PiiKinds.Iban, PiiKinds.Fodselsnummer, PiiKinds.Rnokpp],
            many.Scores.Single(s => s.Category == SafetyCategories.Pii).Reasons);
    }

    [Fact]
    public void ANumberIsNotFoundInsideALongerRunOfDigitGroups()
    {
        // Seen in the corpus: an invalid 19-digit card whose last 15 digits pass Luhn, an invalid IBAN whose tail looks like a card.
        Assert.Empty(Screener.Screen("My card is 6857 3845 5767 0936 637, can you refund it?").Pii);
        Assert.Empty(Screener.Screen("Please pay to IBAN DE09 4308 4929 9651 5173 52 by Friday.").Pii);
    }

    private static double Pii(ScreeningResult result) => result.Scores.Single(s => s.Category == SafetyCategories.Pii).Score;
}
