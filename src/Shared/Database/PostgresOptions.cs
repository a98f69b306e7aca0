using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Database;

/// <summary>Settings section <c>Postgres</c> (environment: <c>Postgres__ConnectionString</c>).</summary>
public sealed record PostgresOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Postgres";

    /// <summary>An Npgsql connection string.</summary>
    [Required(ErrorMessage = "Postgres:ConnectionString is required (environment variable Postgres__ConnectionString).")]
    public string ConnectionString { get; init; } = "";
}
