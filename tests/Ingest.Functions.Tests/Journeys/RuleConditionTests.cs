using Impact.Shared.Journeys;
using Impact.TestSupport;

namespace Impact.Ingest.Tests.Journeys;

/// <summary>
/// Every condition type and operator, and all_of/any_of nesting, over real rows: one participant's
/// sessions, ratings, outcome scores and flags are written to PostgreSQL, read back with
/// <see cref="JourneyFacts"/> (the evaluator's own query) and each condition is interpreted at a fixed time.
/// </summary>
public sealed class RuleConditionTests(RuleConditionTests.Rows rows) : IClassFixture<RuleConditionTests.Rows>
{
    public static readonly DateTimeOffset Now = new(2026, 6, 30, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, string, bool> Cases => new()
    {
        // count: sessions (4: three language, one mentorship), every operator on both sides of the boundary.
        { "count >= (at)", "{type: count, source: sessions, where: {session_type: language}, op: '>=', value: 3}", true },
        { "count >= (above)", "{type: count, source: sessions, where: {session_type: language}, op: '>=', value: 4}", false },
        { "count >", "{type: count, source: sessions, where: {session_type: language}, op: '>', value: 3}", false },
        { "count = ", "{type: count, source: sessions, where: {session_type: language}, op: '=', value: 3}", true },
        { "count !=", "{type: count, source: sessions, where: {session_type: language}, op: '!=', value: 3}", false },
        { "count <", "{type: count, source: sessions, where: {session_type: language}, op: '<', value: 4}", true },
        { "count <=", "{type: count, source: sessions, where: {session_type: language}, op: '<=', value: 2}", false },
        { "count all sessions", "{type: count, source: sessions, op: '=', value: 4}", true },
        { "count sessions as volunteer", "{type: count, source: sessions, where: {role: volunteer}, op: '=', value: 0}", true },
        { "count ratings received", "{type: count, source: ratings, where: {direction: received}, op: '=', value: 4}", true },
        { "count ratings given", "{type: count, source: ratings, where: {direction: given}, op: '=', value: 1}", true },
        { "count flags", "{type: count, source: flags, op: '=', value: 1}", true },
        // exists
        { "exists mentorship", "{type: exists, source: sessions, where: {session_type: mentorship}}", true },
        { "exists level C1", "{type: exists, source: sessions, where: {language_level: C1}}", false },
        { "exists flag", "{type: exists, source: flags, where: {flag: buddy}}", true },
        { "exists other flag", "{type: exists, source: flags, where: {flag: nope}}", false },
        { "exists belonging score", "{type: exists, source: outcome_scores, where: {dimension: belonging}}", false },
        // value: aggregates over rows, text fields, the profile
        { "avg rating received >= 4", "{type: value, source: ratings, where: {session_type: language, direction: received}, field: rating, aggregate: avg, op: '>=', value: 4}", true },
        { "avg rating received > 4", "{type: value, source: ratings, where: {session_type: language, direction: received}, field: rating, aggregate: avg, op: '>', value: 4}", false },
        { "min rating", "{type: value, source: ratings, where: {direction: received}, field: rating, aggregate: min, op: '=', value: 2}", true },
        { "max rating", "{type: value, source: ratings, field: rating, aggregate: max, op: '=', value: 5}", true },
        { "sum minutes", "{type: value, source: sessions, where: {session_type: language}, field: duration_minutes, aggregate: sum, op: '=', value: 180}", true },
        { "latest score", "{type: value, source: outcome_scores, dimension: lang_level_proxy, field: score, aggregate: latest, op: '<', value: 0.5}", false },
        { "latest score >=", "{type: value, source: outcome_scores, dimension: lang_level_proxy, field: score, aggregate: latest, op: '>=', value: 0.6}", true },
        { "avg score", "{type: value, source: outcome_scores, dimension: lang_level_proxy, field: score, aggregate: avg, op: '<', value: 0.5}", true },
        { "no rows is false", "{type: value, source: outcome_scores, dimension: belonging, field: score, aggregate: avg, op: '<', value: 1}", false },
        { "profile =", "{type: value, source: profile, field: role, op: '=', value: participant}", true },
        { "profile !=", "{type: value, source: profile, field: role, op: '!=', value: participant}", false },
        { "latest text field", "{type: value, source: sessions, where: {session_type: language}, field: language_level, op: '=', value: B1}", true },
        // time_since: days since the latest matching row
        { "time_since >= (at)", "{type: time_since, source: sessions, op: '>=', days: 3}", true },
        { "time_since >", "{type: time_since, source: sessions, op: '>', days: 3}", false },
        { "time_since filtered", "{type: time_since, source: sessions, where: {session_type: mentorship}, op: '>=', days: 40}", true },
        { "time_since <", "{type: time_since, source: sessions, op: '<', days: 14}", true },
        { "time_since score", "{type: time_since, source: outcome_scores, where: {dimension: confidence}, op: '<=', days: 5}", true },
        { "time_since flag", "{type: time_since, source: flags, where: {flag: buddy}, op: '>=', days: 30}", true },
        { "time_since no rows", "{type: time_since, source: outcome_scores, where: {dimension: belonging}, op: '>=', days: 0}", false },
        // nesting
        { "all_of true+false", "{type: all_of, conditions: [{type: exists, source: flags}, {type: exists, source: sessions, where: {language_level: C1}}]}", false },
        { "any_of true+false", "{type: any_of, conditions: [{type: exists, source: flags}, {type: exists, source: sessions, where: {language_level: C1}}]}", true },
        { "any_of false+false", "{type: any_of, conditions: [{type: exists, source: flags, where: {flag: nope}}, {type: exists, source: sessions, where: {language_level: C1}}]}", false },
        { "all_of(any_of, x)", "{type: all_of, conditions: [{type: any_of, conditions: [{type: exists, source: flags, where: {flag: nope}}, {type: count, source: sessions, op: '=', value: 4}]}, {type: value, source: profile, field: role, op: '=', value: participant}]}", true },
        { "any_of(all_of false, all_of true)", "{type: any_of, conditions: [{type: all_of, conditions: [{type: exists, source: flags}, {type: count, source: sessions, op: '>', value: 9}]}, {type: all_of, conditions: [{type: time_since, source: sessions, op: '>=', days: 1}]}]}", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EachConditionHoldsExactlyWhenTheRowsSaySo(string name, string condition, bool expected)
    {
        var rule = RuleParser.ParseRule(
            $"id: t\nname: {name}\nconditions:\n  - {condition}\nactions:\n  - {{type: set_flag, flag: x}}\n", out var errors);
        Assert.True(rule is not null, string.Join("; ", errors));
        var facts = await rows.FactsAsync();

        Assert.Equal(expected, RuleInterpreter.Matches(rule, facts, Now));
    }

    /// <summary>One participant with known rows (see each case's comment for the numbers).</summary>
    public sealed class Rows : IAsyncLifetime
    {
        private TestDatabase? db;
        private Guid participant;

        public async Task<UserFacts> FactsAsync()
        {
            await using var conn = await db!.DataSource.OpenConnectionAsync();
            return (await JourneyFacts.LoadAsync(conn, null, [participant]))[participant];
        }

        public async Task InitializeAsync()
        {
            db = await TestDatabase.CreateAsync();
            var data = new JourneyData(db.DataSource);
            var company = await data.CompanyAsync();
            participant = await data.UserAsync("participant", null);
            var volunteer = await data.UserAsync("volunteer", company);
            // Language sessions 30 + 60 + 90 minutes, rated 5, 4, 3 by the volunteer; the participant rated the last one 5.
            var s1 = await data.SessionAsync(company, participant, volunteer, Now.AddDays(-20), minutes: 30, level: "A2");
            var s2 = await data.SessionAsync(company, participant, volunteer, Now.AddDays(-10), minutes: 60, level: "B1");
            var s3 = await data.SessionAsync(company, participant, volunteer, Now.AddDays(-3), minutes: 90, level: "B1");
            var m = await data.SessionAsync(company, participant, volunteer, Now.AddDays(-40), type: "mentorship", minutes: 45);
            await data.RatingAsync(company, s1, volunteer, "volunteer", 5, Now.AddDays(-20));
            await data.RatingAsync(company, s2, volunteer, "volunteer", 4, Now.AddDays(-10));
            await data.RatingAsync(company, s3, volunteer, "volunteer", 3, Now.AddDays(-3));
            await data.RatingAsync(company, m, volunteer, "volunteer", 2, Now.AddDays(-40));
            await data.RatingAsync(company, s3, participant, "participant", 5, Now.AddDays(-3));
            // lang_level_proxy 0.3 then 0.6 (latest 0.6, mean 0.45); confidence 0.8 five days ago.
            await data.ScoreAsync(company, participant, "lang_level_proxy", 0.3, Now.AddDays(-15));
            await data.ScoreAsync(company, participant, "lang_level_proxy", 0.6, Now.AddDays(-2));
            await data.ScoreAsync(company, participant, "confidence", 0.8, Now.AddDays(-5));
            // A flag no rule set, 30 days ago.
            await data.ScalarAsync<int>(
                "INSERT INTO impact.journey_flags (user_id, flag, company_id, set_at) VALUES (@participant, 'buddy', @company, @at) RETURNING 1",
                new { participant, company, at = Now.AddDays(-30).UtcDateTime });
        }

        public async Task DisposeAsync()
        {
            if (db is not null)
            {
                await db.DisposeAsync();
            }
        }
    }
}
