using System.Text;
using Dapper;
using Impact.Shared.Feedback.Budgets;
using Impact.TestSupport;
using Microsoft.Extensions.Options;

namespace Impact.Bench;

/// <summary>
/// The overhead the Q2Q budget and rate limit add to one paid call: the reservation (rate-window slot + conditional ledger
/// upsert + reservation row, one statement and a commit) and its settlement (one statement), next to a bare <c>SELECT 1</c>
/// round trip over the same pool, measured in the same run — one caller, and 16 callers of one company (they contend on
/// the company's window and ledger rows, which is the point of the design).
/// </summary>
public sealed class Q2QBudgetScenario : IScenario
{
    private const int Calls = 3_000;
    private const int Warmup = 300;

    public string Name => "q2q-budget";

    public async Task<string> RunAsync(string[] args)
    {
        await using var db = await TestDatabase.CreateAsync();
        Guid company;
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            company = await conn.ExecuteScalarAsync<Guid>("INSERT INTO impact.companies (name, email_domain) VALUES ('Bench', 'bench.example') RETURNING id");
            await conn.ExecuteAsync("INSERT INTO impact.q2q_budgets (company_id, monthly_usd, updated_by) VALUES (@company, 1000000, 'bench')", new { company });
        }

        // A window large enough that nothing is refused: the cost of the accepted path is measured.
        var budgets = new Q2QBudgets(db.DataSource, TimeProvider.System, Options.Create(new Q2QCostOptions { RequestsPerMinute = 100_000 }));
        Task Select1(int _) => SelectOneAsync(db);
        Task Reserve(int _) => budgets.ReserveAsync(company, "openai", "bench-model", 0.0004m);
        async Task ReserveAndSettle(int _)
        {
            var r = await budgets.ReserveAsync(company, "openai", "bench-model", 0.0004m);
            await budgets.SettleAsync(r, 900, 120, 0.0002m);
        }

        var rows = new List<string>();
        foreach (var callers in new[] { 1, 16 })
        {
            var baseline = await MeasureAsync(callers, Select1);
            var reserve = await MeasureAsync(callers, Reserve);
            var both = await MeasureAsync(callers, ReserveAndSettle);
            rows.Add(Row($"bare `SELECT 1` (baseline)", callers, baseline, baseline));
            rows.Add(Row("reserve (`ReserveAsync`)", callers, reserve, baseline));
            rows.Add(Row("reserve + settle (per paid call)", callers, both, baseline));
        }

        var report = new StringBuilder();
        report.AppendLine($"{Calls:N0} calls per line after {Warmup} warm-up calls, one company (its window and ledger rows are shared by every caller), ");
        report.AppendLine("PostgreSQL of `scripts/services.sh` on loopback. Ratio = p50 / p50 of the bare `SELECT 1` with the same callers.");
        report.AppendLine();
        report.AppendLine("| subject | callers | calls/s | p50 ms | p99 ms | p50 ratio to SELECT 1 |");
        report.AppendLine("|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            report.AppendLine(row);
        }

        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            var (reserved, requests) = await conn.QuerySingleAsync<(decimal, long)>(
                "SELECT reserved_usd, requests FROM impact.q2q_spend WHERE company_id = @company", new { company });
            report.AppendLine();
            report.AppendLine($"Ledger after the run: {requests:N0} settled calls, {reserved:0.####} USD still reserved (the `reserve` lines never settle).");
        }

        return report.ToString();
    }

    private static async Task SelectOneAsync(TestDatabase db)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await conn.ExecuteScalarAsync<int>("SELECT 1");
    }

    private static async Task<(List<double> Ms, double Seconds)> MeasureAsync(int callers, Func<int, Task> call)
    {
        await Stats.RunConcurrentAsync(callers, Warmup, call);
        return await Stats.RunConcurrentAsync(callers, Calls, call);
    }

    private static string Row(string subject, int callers, (List<double> Ms, double Seconds) m, (List<double> Ms, double Seconds) baseline) =>
        $"| {subject} | {callers} | {Stats.F(Calls / m.Seconds, 0)} | {Stats.F(Stats.Percentile(m.Ms, 50), 3)} | {Stats.F(Stats.Percentile(m.Ms, 99), 3)} | "
        + $"{Stats.F(Stats.Percentile(m.Ms, 50) / Stats.Percentile(baseline.Ms, 50), 1)} |";
}
