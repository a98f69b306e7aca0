using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Impact.StreamHost.Security;

/// <summary>
/// Mints HS256 tokens with the local signing key, for development and tests:
/// <c>dotnet run --project src/Stream.Host -- token --company &lt;uuid&gt; [--hours 8] [--operator]</c>.
/// </summary>
public static class LocalTokens
{
    public static string Create(JwtOptions jwt, string companyClaim, Guid? companyId, DateTimeOffset now, TimeSpan lifetime, bool isOperator = false)
    {
        var claims = new Dictionary<string, object> { ["sub"] = companyId is null ? "operator" : $"company:{companyId}" };
        if (companyId is { } id)
        {
            claims[companyClaim] = id.ToString();
        }

        if (isOperator)
        {
            claims[StreamAuthentication.RoleClaim] = new[] { StreamAuthentication.OperatorRole };
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(jwt.SigningKeyBytes), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The <c>token</c> command: prints a token to stdout, or a usage line to stderr.</summary>
    public static int RunCommand(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        Guid? company = null;
        var hours = 8.0;
        var isOperator = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--company" when i + 1 < args.Length && Guid.TryParse(args[i + 1], out var c):
                    company = c;
                    i++;
                    break;
                case "--hours" when i + 1 < args.Length && double.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var h) && h > 0:
                    hours = h;
                    i++;
                    break;
                case "--operator":
                    isOperator = true;
                    break;
                default:
                    error.WriteLine($"unknown or incomplete argument '{args[i]}'");
                    return Usage(error);
            }
        }

        if (company is null && !isOperator)
        {
            return Usage(error);
        }

        var jwt = configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions();
        var problems = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (jwt.UsesAuthority)
        {
            error.WriteLine("Jwt:Authority is set: tokens come from that identity provider, not from this command.");
            return 1;
        }

        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(jwt, new(jwt), problems, validateAllProperties: true))
        {
            error.WriteLine(string.Join(Environment.NewLine, problems.Select(p => p.ErrorMessage)));
            error.WriteLine("(run with ASPNETCORE_ENVIRONMENT=Development to use the development key in appsettings.Development.json)");
            return 1;
        }

        var claim = configuration[$"Stream:{nameof(Streaming.StreamOptions.CompanyClaim)}"] is { Length: > 0 } configured ? configured : "company_id";
        output.WriteLine(Create(jwt, claim, company, DateTimeOffset.UtcNow, TimeSpan.FromHours(hours), isOperator));
        return 0;
    }

    private static int Usage(TextWriter error)
    {
        error.WriteLine("usage: token --company <uuid> [--hours <n>] [--operator]   (or: token --operator)");
        return 2;
    }
}
