// Applies the embedded SQL migrations to the database named by the first argument or by
// Postgres__ConnectionString. Used by scripts/services.sh and by deployment pipelines.
using Impact.Shared.Database;

const string Usage = "usage: Migrator [<connection string>]  (default: the Postgres__ConnectionString environment variable)";
if (args is ["-h" or "--help" or "-?" or "help", ..])
{
    Console.WriteLine(Usage);
    return 0;
}

if (args.Length > 1 || args is [['-', ..]])
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var connectionString = args.FirstOrDefault() ?? Environment.GetEnvironmentVariable("Postgres__ConnectionString");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

try
{
    var applied = Migrations.Apply(connectionString);
    Console.WriteLine(applied.Count == 0 ? "database is up to date" : $"applied: {string.Join(", ", applied)}");
    return 0;
}
catch (MigrationException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
catch (ArgumentException e)
{
    // A malformed connection string; its message names the bad keyword, never the password.
    Console.Error.WriteLine($"not a valid connection string: {e.Message}");
    return 2;
}
