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

    /// <summary>
    /// Connections one instance may hold at most (Npgsql's Max Pool Size; wins over the connection string).
    /// In Azure it is set together with the Functions instance cap so that instances × pool stays within the
    /// server's connections minus its reserve (README, "Connection budget").
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Postgres:MaxPoolSize must be between 1 and 1000.")]
    public int MaxPoolSize { get; init; } = 20;
}
