// Applies the embedded SQL migrations to the database named by the first argument, by
// Postgres__ConnectionString, or by .local/services.env. Used by scripts/services.sh and by deployment pipelines.
using Impact.Shared.Database;

const string Usage = "usage: Migrator [<connection string>]  (default: Postgres__ConnectionString, then .local/services.env of scripts/services.sh)";
var (connectionString, exit) = LocalServicesFile.ToolConnectionString(args, Usage, Console.Out, Console.Error);
if (connectionString is null)
{
    return exit;
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
