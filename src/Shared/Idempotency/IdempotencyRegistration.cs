using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Shared.Idempotency;

/// <summary>The idempotency keys' registration.</summary>
public static class IdempotencyRegistration
{
    /// <summary><see cref="IdempotencyOptions"/> (validated at start-up) and the <see cref="IdempotencyKeys"/> store.</summary>
    public static IHostApplicationBuilder AddIdempotency(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdempotencyOptions>()
            .BindConfiguration(IdempotencyOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IdempotencyKeys>();
        return builder;
    }
}
