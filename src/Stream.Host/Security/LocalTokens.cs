using System.Globalization;
using Impact.Shared.Security;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Impact.StreamHost.Security;

/// <summary>What a local token says about its caller: the claims the Functions app and the SSE host read.</summary>
/// <param name="CompanyId">The company claim (<see cref="JwtOptions.CompanyClaim"/>); null for a platform operator.</param>
/// <param name="Roles">The <c>roles</c> claim (<see cref="Impact.Shared.Security.Roles"/>).</param>
/// <param name="Subject">The <c>sub</c> claim, the principal written to audit rows; a default is derived when null.</param>
/// <param name="Name">The <c>name</c> claim; the subject when null.</param>
public sealed record LocalCaller(Guid? CompanyId, IReadOnlyList<string> Roles, string? Subject = null, string? Name = null)
{
    /// <summary>A company caller with the given roles.</summary>
    public static LocalCaller Company(Guid companyId, params string[] roles) => new(companyId, roles);

    /// <summary>A platform operator (<see cref="Roles.Operator"/>, no company).</summary>
    public static LocalCaller Operator() => new(null, [Impact.Shared.Security.Roles.Operator]);

    /// <summary>The subject, or <c>company:&lt;id&gt;</c> / <c>operator</c> when none was given.</summary>
    public string SubjectOrDefault => Subject ?? (CompanyId is { } id ? $"company:{id}" : "operator");
}

/// <summary>
/// Mints HS256 tokens with the local signing key, for development and tests, accepted by the SSE host and
/// the Functions app alike: <c>bash scripts/token.sh --company &lt;uuid&gt; --role Impact.CompanyAdmin [--sub alice] [--name Alice] [--hours 8]</c>.
/// </summary>
public static class LocalTokens
{
    public static string Create(JwtOptions jwt, LocalCaller caller, DateTimeOffset now, TimeSpan lifetime)
    {
        var subject = caller.SubjectOrDefault;
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["name"] = caller.Name ?? subject };
        if (caller.CompanyId is { } id)
        {
            claims[jwt.CompanyClaim] = id.ToString();
        }

        if (caller.Roles.Count > 0)
        {
            claims[StreamAuthentication.RoleClaim] = caller.Roles.Distinct(StringComparer.Ordinal).ToArray();
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

    /// <summary>The <c>token</c> command: prints a token to stdout, or what is wrong (and the usage) to stderr.</summary>
    public static int RunCommand(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        Guid? company = null;
        var hours = 8.0;
        var roles = new List<string>();
        string? subject = null, name = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--company" when Guid.TryParse(value, out var c):
                    company = c;
                    i++;
                    break;
                case "--hours" when double.TryParse(value, CultureInfo.InvariantCulture, out var h) && h > 0:
                    hours = h;
                    i++;
                    break;
                case "--role" when value is not null && Roles.All.Contains(value, StringComparer.Ordinal):
                    roles.Add(value);
                    i++;
                    break;
                case "--role":
                    error.WriteLine($"--role must be one of {string.Join(", ", Roles.All)} (one --role per role)");
                    return Usage(error);
                case "--sub" when !string.IsNullOrWhiteSpace(value):
                    subject = value;
                    i++;
                    break;
                case "--name" when !string.IsNullOrWhiteSpace(value):
                    name = value;
                    i++;
                    break;
                case "--operator":
                    roles.Add(Roles.Operator);
                    break;
                default:
                    error.WriteLine($"unknown or incomplete argument '{args[i]}'");
                    return Usage(error);
            }
        }

        if (company is null && !roles.Contains(Roles.Operator))
        {
            error.WriteLine("a token needs --company <uuid>, or --operator for a platform operator");
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

        if (company is not null && roles.Count == 0)
        {
            error.WriteLine($"note: no --role, so this token reads the company's stream only; the Functions API needs e.g. --role {Roles.CompanyAdmin}");
        }

        output.WriteLine(Create(jwt, new LocalCaller(company, roles, subject, name), DateTimeOffset.UtcNow, TimeSpan.FromHours(hours)));
        return 0;
    }

    private static int Usage(TextWriter error)
    {
        error.WriteLine("usage: token --company <uuid> [--role <role>]... [--sub <principal>] [--name <name>] [--hours <n>]");
        error.WriteLine("       token --operator [--sub <principal>] [--name <name>] [--hours <n>]");
        error.WriteLine($"roles: {string.Join(", ", Roles.All)}");
        return 2;
    }
}
