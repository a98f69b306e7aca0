using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Webhooks;

/// <summary>A partner's active signing secrets.</summary>
public sealed record PartnerSecrets
{
    /// <summary>
    /// Space- or comma-separated secrets; during rotation several are active and any one may sign.
    /// A secret of the form <c>whsec_&lt;base64&gt;</c> is used as its decoded bytes, any other as its UTF-8 bytes.
    /// </summary>
    [Required(ErrorMessage = "Webhooks:Kintell:Secrets is required (environment variable Webhooks__Kintell__Secrets).")]
    public string Secrets { get; init; } = "";

    /// <summary>The HMAC keys of <see cref="Secrets"/>.</summary>
    public IReadOnlyList<byte[]> Keys() => WebhookSignature.ParseSecrets(Secrets);
}
