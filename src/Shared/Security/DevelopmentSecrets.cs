using Impact.Shared.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Impact.Shared.Security;

/// <summary>
/// The secrets committed to this repository for local use (local.settings.sample.json,
/// src/Stream.Host/appsettings.Development.json). Anyone can read them, so outside the Development
/// environment a host that finds one of them refuses to start and names the setting.
/// </summary>
public static class DevelopmentSecrets
{
    /// <summary>The committed webhook signing secrets.</summary>
    public static readonly IReadOnlyList<string> WebhookSecrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "kintell-dev-secret"];

    /// <summary>The committed HS256 development signing key of the local token issuer.</summary>
    public const string SigningKey = "impact-local-development-signing-key-change-me-0123456789";

    /// <summary>Registers the start-up checks of <see cref="WebhookOptions"/> and <see cref="JwtOptions"/> (none in Development).</summary>
    public static IHostApplicationBuilder RefuseDevelopmentSecretsOutsideDevelopment(this IHostApplicationBuilder builder)
    {
        if (builder.Environment.IsDevelopment())
        {
            return builder;
        }

        builder.Services.AddSingleton<IValidateOptions<WebhookOptions>>(new Check<WebhookOptions>("Webhooks:Kintell:Secrets",
            o => o.Kintell.Keys().Any(key => WebhookSecrets.Any(s => WebhookSignature.KeyOf(s).AsSpan().SequenceEqual(key))), "."));
        builder.Services.AddSingleton<IValidateOptions<JwtOptions>>(new Check<JwtOptions>("Jwt:SigningKey",
            o => !o.UsesAuthority && o.SigningKey == SigningKey, " or set Jwt:Authority to use Entra ID."));
        return builder;
    }

    private sealed class Check<T>(string setting, Func<T, bool> holdsCommittedSecret, string alternative) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            holdsCommittedSecret(options)
                ? ValidateOptionsResult.Fail(
                    $"{setting} holds a development secret committed to the repository; outside the Development environment set a secret of your own "
                    + $"(environment variable {setting.Replace(":", "__", StringComparison.Ordinal)}, from Key Vault in Azure){alternative}")
                : ValidateOptionsResult.Success;
    }
}
