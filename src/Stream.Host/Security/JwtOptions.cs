using System.ComponentModel.DataAnnotations;
using System.Text;

namespace Impact.StreamHost.Security;

/// <summary>
/// Settings section <c>Jwt</c>. Locally tokens are HS256-signed with <see cref="SigningKey"/>;
/// in Azure <see cref="Authority"/> is set and keys come from the authority's JWKS.
/// </summary>
public sealed record JwtOptions : IValidatableObject
{
    public const string Section = "Jwt";

    /// <summary>HS256 key (at least 32 bytes of UTF-8). Ignored when <see cref="Authority"/> is set.</summary>
    public string? SigningKey { get; init; }

    [Required(AllowEmptyStrings = false, ErrorMessage = "Jwt:Issuer is required (environment variable Jwt__Issuer).")]
    public string Issuer { get; init; } = "";

    [Required(AllowEmptyStrings = false, ErrorMessage = "Jwt:Audience is required (environment variable Jwt__Audience).")]
    public string Audience { get; init; } = "";

    /// <summary>An OpenID Connect authority (e.g. https://login.microsoftonline.com/{tenant}/v2.0).</summary>
    public string? Authority { get; init; }

    public bool UsesAuthority => !string.IsNullOrWhiteSpace(Authority);

    public byte[] SigningKeyBytes => Encoding.UTF8.GetBytes(SigningKey ?? "");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (UsesAuthority)
        {
            if (!Uri.TryCreate(Authority, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            {
                yield return new ValidationResult("Jwt:Authority must be an absolute https URL.", [nameof(Authority)]);
            }
        }
        else if (SigningKeyBytes.Length < 32)
        {
            // HS256 needs a 256-bit key; IdentityModel rejects shorter ones at the first request.
            yield return new ValidationResult(
                "Jwt:SigningKey must be at least 32 bytes (environment variable Jwt__SigningKey), or set Jwt:Authority to validate tokens with an identity provider.",
                [nameof(SigningKey)]);
        }
    }
}
