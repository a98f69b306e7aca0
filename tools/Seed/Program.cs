// Fills the local database with a small sample data set (a company, people, sessions, ratings) to try
// the APIs with, and prints the ids the README's curl examples need. Running it again adds nothing.
//   dotnet run --project tools/Seed                      (the services of scripts/services.sh)
//   dotnet run --project tools/Seed -- "<connection string>"
using Impact.Shared.Database;
using Impact.Tools.Seed;
using Npgsql;

const string Usage = "usage: Seed [<connection string>]  (default: Postgres__ConnectionString, then .local/services.env of scripts/services.sh)";
var (connectionString, exit) = LocalServicesFile.ToolConnectionString(args, Usage, Console.Out, Console.Error);
if (connectionString is null)
{
    return exit;
}

try
{
    await using var dataSource = NpgsqlDataSource.Create(connectionString);
    await using var conn = await dataSource.OpenConnectionAsync();
    var ids = await SampleData.SeedAsync(conn);
    Console.WriteLine($"company     {ids.CompanyId}  (volunteers' e-mail domain {SampleData.CompanyDomain})");
    Console.WriteLine($"volunteers  {string.Join(" ", ids.VolunteerIds)}");
    Console.WriteLine($"participants {string.Join(" ", ids.ParticipantIds)}");
    Console.WriteLine($"sessions    {string.Join(" ", ids.SessionIds)}");
    Console.WriteLine();
    Console.WriteLine($"export a participant's data: curl -s -X POST http://localhost:7071/v1/privacy/exports -H 'Content-Type: application/json' -d '{{\"userId\":\"{ids.ParticipantIds[0]}\",\"requestedBy\":\"dpo@example.com\"}}'");
    Console.WriteLine($"follow the company's stream: curl -N -H \"Authorization: Bearer $(bash scripts/token.sh --company {ids.CompanyId})\" http://127.0.0.1:5080/v1/stream/updates");
    return 0;
}
catch (Exception e) when (e is NpgsqlException or ArgumentException)
{
    Console.Error.WriteLine($"Could not seed the database: {e.Message}");
    return 1;
}
