using System.ComponentModel.DataAnnotations;
using System.Text;

namespace Impact.Shared.Security;

/// <summary>
/// Settings section <c>Jwt</c>: how bearer tokens are validated. In Azure <see cref="Authority"/> and
/// <see cref="Audience"/> name the Entra ID tenant and the API's app registration, and keys come from the
/// authority's JWKS (RS256 only). For development, without an authority, tokens are HS256-signed with
/// <see cref="SigningKey"/> by the local issuer (<c>scripts/token.sh</c>).
/// </summary>
public sealed record JwtOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Jwt";

    /// <summary>An OpenID Connect authority, e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c>.</summary>
    public string? Authority { get; init; }

    /// <summary>The audience tokens must be issued for (the API's application ID URI or client id).</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Jwt:Audience is required (environment variable Jwt__Audience).")]
    public string Audience { get; init; } = "";

    /// <summary>The issuer of local HS256 tokens. With an authority the issuer comes from its metadata.</summary>
    public string Issuer { get; init; } = "";

    /// <summary>The local HS256 key (at least 32 bytes of UTF-8); ignored when <see cref="Authority"/> is set.</summary>
    public string? SigningKey { get; init; }

    /// <summary>The claim that names the company a caller acts for.</summary>
    [Required(AllowEmptyStrings = false)]
    public string CompanyClaim { get; init; } = "company_id";

    /// <summary>How far token times may be off our clock.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Jwt:ClockSkew must be between 0 and 5 minutes.")]
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Shortest time between two fetches of the authority's keys when a token names a key we do not
    /// have (key rotation); the keys are also refreshed every 12 hours.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Jwt:KeyRefreshInterval must be between 1 second and 1 day.")]
    public TimeSpan KeyRefreshInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>True when tokens come from an OpenID Connect authority.</summary>
    public bool UsesAuthority => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>The HS256 key's bytes.</summary>
    public byte[] SigningKeyBytes => Encoding.UTF8.GetBytes(SigningKey ?? "");

    /// <summary>http is accepted only for an authority on this machine (a test identity provider).</summary>
    public bool AuthorityIsLoopback =>
        Uri.TryCreate(Authority, UriKind.Absolute, out var uri) && uri.IsLoopback;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (UsesAuthority)
        {
            if (!Uri.TryCreate(Authority, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !AuthorityIsLoopback))
            {
                yield return new ValidationResult("Jwt:Authority must be an absolute https URL.", [nameof(Authority)]);
            }
        }
        else
        {
            if (string.IsNullOrWhiteSpace(Issuer))
            {
                yield return new ValidationResult("Jwt:Issuer is required for local tokens (environment variable Jwt__Issuer), or set Jwt:Authority.", [nameof(Issuer)]);
            }

            if (SigningKeyBytes.Length < 32)
            {
                yield return new ValidationResult(
                    "Jwt:SigningKey must be at least 32 bytes (environment variable Jwt__SigningKey), or set Jwt:Authority to validate tokens with an identity provider.",
                    [nameof(SigningKey)]);
            }
        }
    }
}
