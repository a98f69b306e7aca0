// Applies the embedded SQL migrations to the database named by the first argument or by
// Postgres__ConnectionString. Used by scripts/services.sh and by deployment pipelines.
using Impact.Shared.Database;

var connectionString = args.FirstOrDefault() ?? Environment.GetEnvironmentVariable("Postgres__ConnectionString");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine("usage: Migrator <connection string>  (or set Postgres__ConnectionString)");
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
