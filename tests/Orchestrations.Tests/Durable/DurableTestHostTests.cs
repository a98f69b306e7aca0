using Dapper;
using Impact.TestSupport;
using Impact.TestSupport.Durable;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Npgsql;

namespace Impact.Orchestrations.Tests.Durable;

public sealed class DurableTestHostTests
{
    [Fact]
    public async Task ActivitiesOnTheTestHostUseTheTestsOwnDatabase()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("INSERT INTO impact.companies (name, email_domain) VALUES ('Acme', 'acme.example')");
        }

        await using var durable = await DurableTestHost.StartAsync(db, r => r
            .AddOrchestrator<CountCompaniesOrchestrator>()
            .AddActivity<CountCompaniesActivity>());

        var id = await durable.Client.ScheduleNewOrchestrationInstanceAsync(nameof(CountCompaniesOrchestrator));
        var done = await durable.WaitForCompletionAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(1, done.ReadOutputAs<int>());
    }

    private sealed class CountCompaniesOrchestrator : TaskOrchestrator<object?, int>
    {
        public override Task<int> RunAsync(TaskOrchestrationContext context, object? input) =>
            context.CallActivityAsync<int>(nameof(CountCompaniesActivity));
    }

    private sealed class CountCompaniesActivity(NpgsqlDataSource dataSource) : TaskActivity<object?, int>
    {
        public override async Task<int> RunAsync(TaskActivityContext context, object? input)
        {
            await using var conn = await dataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<int>("SELECT count(*)::int FROM impact.companies");
        }
    }
}
