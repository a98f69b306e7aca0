using CsCheck;
using Impact.Shared.Journeys;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Impact.Ingest.Tests.Journeys;

/// <summary>
/// Property (CsCheck): any sequence of commits of sessions, ratings and scores, evaluated after each commit, gives the
/// same flags, milestones and journey events when the changes inside each commit come in another order and with
/// re-sent duplicates; replaying every event again from the start changes nothing and announces nothing twice.
/// </summary>
public sealed class JourneyPropertyTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    // Kind 0 = session (User 0/1, Value 0 language / 1 mentorship, Day), 1 = rating (Ref = a session so far, Value 1–5), 2 = score (User, Value/10).
    private sealed record Op(int Kind, int User, int Value, int Day);

    private static readonly Gen<Op> OpGen = Gen.Int[0, 2].SelectMany(kind => kind switch
    {
        0 => Gen.Select(Gen.Int[0, 1], Gen.Int[0, 3], Gen.Int[0, 20], (u, t, d) => new Op(0, u, t == 3 ? 1 : 0, d)),
        1 => Gen.Select(Gen.Int[0, 9], Gen.Int[1, 5], (r, v) => new Op(1, 0, v, r)),
        _ => Gen.Select(Gen.Int[0, 1], Gen.Int[0, 9], (u, v) => new Op(2, u, v, 0)),
    });

    private static readonly Gen<(List<List<Op>> Commits, int Seed)> Scenario =
        Gen.Select(OpGen.List[1, 5].List[1, 5], Gen.Int[0, int.MaxValue], (c, s) => (c, s));

    [Fact]
    public async Task ShuffledOrDuplicatedChangesAndReplaysGiveTheSameFlagsMilestonesAndNoDuplicateEvent()
    {
        var clock = new FakeTimeProvider(Start.AddDays(30));
        await using var app = await TestApp.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var data = new JourneyData(app.Database.DataSource);
        var evaluator = app.Service<JourneyEvaluator>();
        var run = 0;

        await Scenario.SampleAsync(async scenario =>
        {
            var plain = await PlayAsync(data, evaluator, scenario.Commits, ++run, shuffleSeed: null);
            var shuffled = await PlayAsync(data, evaluator, scenario.Commits, ++run, shuffleSeed: scenario.Seed);
            Assert.Equal(plain.Flags, shuffled.Flags);
            Assert.Equal(plain.Milestones, shuffled.Milestones);
            Assert.Equal(plain.Events, shuffled.Events);
            foreach (var result in new[] { plain, shuffled })
            {
                // A milestone is announced once; a flag's events alternate set, cleared, set…
                Assert.All(result.Events.Where(e => e.StartsWith("milestone", StringComparison.Ordinal)).GroupBy(e => e), g => Assert.Single(g));
                foreach (var flag in result.Events.Where(e => e.StartsWith("flag", StringComparison.Ordinal)).Select(e => e[..e.LastIndexOf(' ')]).Distinct())
                {
                    var changes = result.Sequence.Where(e => e.StartsWith(flag + " ", StringComparison.Ordinal)).Select(e => e[(flag.Length + 1)..]).ToList();
                    Assert.True(changes.Where((c, i) => c != (i % 2 == 0 ? "set" : "cleared")).Count() == 0, $"{flag}: {string.Join(",", changes)}");
                }
            }

            // Replay everything from the start: the state is what it is, so nothing changes and nothing is announced.
            var before = await data.ScalarAsync<long>("SELECT count(*) FROM impact.events WHERE type LIKE 'journey.%'");
            await data.ScalarAsync<int>("UPDATE impact.event_cursors SET last_tx_id = '0', last_event_id = 0 WHERE name = 'journeys' RETURNING 1");
            var replay = await data.CatchUpAsync(evaluator);
            Assert.Equal(0, replay.Changes);
            Assert.Equal(before, await data.ScalarAsync<long>("SELECT count(*) FROM impact.events WHERE type LIKE 'journey.%'"));
        }, iter: 8, threads: 1);
    }

    private sealed record Outcome(List<string> Flags, List<string> Milestones, List<string> Events, List<string> Sequence);

    private static async Task<Outcome> PlayAsync(JourneyData data, JourneyEvaluator evaluator, List<List<Op>> commits, int run, int? shuffleSeed)
    {
        var company = await data.CompanyAsync($"run {run}");
        Guid[] people = [await data.UserAsync("participant", null), await data.UserAsync("participant", null)];
        var volunteer = await data.UserAsync("volunteer", company);
        var names = new Dictionary<Guid, string> { [people[0]] = "p0", [people[1]] = "p1", [volunteer] = "v" };
        var random = shuffleSeed is { } seed ? new Random(seed) : null;
        var sessions = new List<string>();
        var index = 0;
        foreach (var commit in commits)
        {
            // Number the ops in their original order so both runs create the same rows, whatever order they are applied in.
            var numbered = commit.Select(op => (Op: op, Index: index++, Session: op.Kind == 0 ? sessions.Count + commit.Take(commit.IndexOf(op)).Count(o => o.Kind == 0) : -1)).ToList();
            var sessionCount = sessions.Count + commit.Count(o => o.Kind == 0);
            for (var k = sessions.Count; k < sessionCount; k++)
            {
                sessions.Add($"run{run}-s{k}");
            }

            var applied = numbered.ToList();
            if (random is not null)
            {
                // Re-sent duplicates of sessions and ratings (the same partner ids), then any order.
                applied.AddRange(numbered.Where(n => n.Op.Kind != 2 && random.Next(2) == 0));
                applied = [.. applied.OrderBy(_ => random.Next())];
            }

            foreach (var (op, i, session) in applied)
            {
                var at = Start.AddDays(op.Day).AddMinutes(i);
                switch (op.Kind)
                {
                    case 0:
                        await data.SessionAsync(company, people[op.User], volunteer, at, op.Value == 0 ? "language" : "mentorship",
                            externalId: sessions[session]);
                        break;
                    case 1 when sessions.Count > 0:
                        await data.RatingAsync(company, sessions[op.Day % sessions.Count], volunteer, "volunteer", op.Value, Start.AddMinutes(i),
                            externalId: $"run{run}-r{i}");
                        break;
                    case 2:
                        await data.ScoreAsync(company, people[op.User], "lang_level_proxy", op.Value / 10.0, Start.AddMinutes(i));
                        break;
                }
            }

            await data.CatchUpAsync(evaluator);
        }

        var ids = names.Keys.ToArray();
        var flags = await data.QueryAsync<(Guid User, string Flag)>(
            "SELECT user_id, flag FROM impact.journey_flags WHERE user_id = ANY(@ids)", new { ids });
        var milestones = await data.QueryAsync<(Guid User, string Milestone)>(
            "SELECT user_id, milestone FROM impact.journey_milestones WHERE user_id = ANY(@ids)", new { ids });
        // By user, not company: a participant's events carry no company until their first session gives them one.
        var events = await data.QueryAsync<(string Type, string User, string? Flag, string? Change, string? Milestone)>(
            """
            SELECT type, data ->> 'userId', data ->> 'flag', data ->> 'change', data ->> 'milestone'
            FROM impact.events WHERE type LIKE 'journey.%' AND data ->> 'userId' = ANY(@users) ORDER BY tx_id, id
            """, new { users = ids.Select(i => i.ToString()).ToArray() });
        var sequence = events.Select(e => e.Milestone is not null
            ? $"milestone {names[Guid.Parse(e.User)]} {e.Milestone}"
            : $"flag {names[Guid.Parse(e.User)]} {e.Flag} {e.Change}").ToList();
        return new Outcome(
            [.. flags.Select(f => $"{names[f.User]} {f.Flag}").Order(StringComparer.Ordinal)],
            [.. milestones.Select(m => $"{names[m.User]} {m.Milestone}").Order(StringComparer.Ordinal)],
            [.. sequence.Order(StringComparer.Ordinal)],
            sequence);
    }
}
