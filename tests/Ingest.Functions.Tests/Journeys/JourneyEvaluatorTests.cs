using Impact.Shared.Events;
using Impact.Shared.Journeys;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Impact.Ingest.Tests.Journeys;

/// <summary>The evaluator over the events table with the default rules: flags that set and clear themselves, milestones once, time with a fake clock.</summary>
public sealed class JourneyEvaluatorTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ThreeWellRatedLanguageSessionsSetMentorReadyOnceAndAFourthLowRatingClearsIt()
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = await TestApp.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var data = new JourneyData(app.Database.DataSource);
        var evaluator = app.Service<JourneyEvaluator>();
        var company = await data.CompanyAsync();
        var participant = await data.UserAsync("participant", null);
        var volunteer = await data.UserAsync("volunteer", company);

        for (var i = 0; i < 3; i++)
        {
            var s = await data.SessionAsync(company, participant, volunteer, Start.AddDays(-3 + i));
            await data.RatingAsync(company, s, volunteer, "volunteer", i == 0 ? 4 : 5, Start.AddDays(-3 + i));
            await data.CatchUpAsync(evaluator);
        }

        Assert.Equal(["mentor_ready"], await FlagsAsync(data, participant));
        Assert.Equal(1, await EventsAsync(data, EventTypes.JourneyMilestoneReached, participant));
        Assert.Equal(1, await EventsAsync(data, EventTypes.JourneyFlagUpdated, participant, "set"));
        // The volunteer's rows (the same sessions, 4 received ratings of 4.67 on average) make them mentor-ready too.
        Assert.Equal(["mentor_ready"], await FlagsAsync(data, volunteer));

        // Re-running with nothing new, and re-evaluating on demand, change nothing.
        Assert.Equal(0, (await data.CatchUpAsync(evaluator)).Changes);
        Assert.Equal(0, await evaluator.EvaluateUserAsync(participant));

        // A fourth session rated 1: mean (4 + 5 + 5 + 1) / 4 = 3.75 < 4 → the flag goes, and an event says so.
        var fourth = await data.SessionAsync(company, participant, volunteer, Start);
        await data.RatingAsync(company, fourth, volunteer, "volunteer", 1, Start);
        await data.CatchUpAsync(evaluator);

        Assert.Empty(await FlagsAsync(data, participant));
        Assert.Equal(1, await EventsAsync(data, EventTypes.JourneyFlagUpdated, participant, "cleared"));
        Assert.Equal(1, await EventsAsync(data, EventTypes.JourneyMilestoneReached, participant));
        Assert.Equal(["set", "cleared"], await data.QueryAsync<string>(
            "SELECT change FROM impact.journey_flag_history WHERE user_id = @participant AND flag = 'mentor_ready' ORDER BY id", new { participant }));
        // The milestone was reached once and stays reached.
        Assert.Equal(1, await data.ScalarAsync<int>("SELECT count(*)::int FROM impact.journey_milestones WHERE user_id = @participant", new { participant }));
        // The events are the company's, so they reach its SSE stream (the stream filters by company_id).
        Assert.All(await data.QueryAsync<Guid?>("SELECT company_id FROM impact.events WHERE type LIKE 'journey.%' AND data ->> 'userId' = @p",
            new { p = participant.ToString() }), c => Assert.Equal(company, c));
    }

    [Fact]
    public async Task FollowupNeededAppearsAfterFourteenQuietDaysAndGoesWithTheNextSession()
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = await TestApp.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var data = new JourneyData(app.Database.DataSource);
        var evaluator = app.Service<JourneyEvaluator>();
        var company = await data.CompanyAsync();
        var participant = await data.UserAsync("participant", null);
        var volunteer = await data.UserAsync("volunteer", company);
        await data.SessionAsync(company, participant, volunteer, Start);
        await data.CatchUpAsync(evaluator);
        Assert.Empty(await FlagsAsync(data, participant));

        clock.Advance(TimeSpan.FromDays(13.9));
        await evaluator.EvaluateAllAsync(company);
        Assert.Empty(await FlagsAsync(data, participant));

        clock.Advance(TimeSpan.FromDays(0.1));
        await evaluator.EvaluateAllAsync(company);
        Assert.Equal(["followup_needed"], await FlagsAsync(data, participant));

        await data.SessionAsync(company, participant, volunteer, clock.GetUtcNow());
        await data.CatchUpAsync(evaluator);
        Assert.Empty(await FlagsAsync(data, participant));
        Assert.Equal(["set", "cleared"], await data.QueryAsync<string>(
            "SELECT change FROM impact.journey_flag_history WHERE user_id = @participant AND flag = 'followup_needed' ORDER BY id", new { participant }));
    }

    [Fact]
    public async Task LanguageSupportFollowsTheLatestLanguageLevelScore()
    {
        await using var app = await TestApp.StartAsync();
        var data = new JourneyData(app.Database.DataSource);
        var evaluator = app.Service<JourneyEvaluator>();
        var company = await data.CompanyAsync();
        var user = await data.UserAsync("volunteer", company);

        await data.ScoreAsync(company, user, "lang_level_proxy", 0.3, DateTimeOffset.UtcNow.AddMinutes(-2));
        await data.CatchUpAsync(evaluator);
        Assert.Equal(["language_support_needed"], await FlagsAsync(data, user));

        await data.ScoreAsync(company, user, "lang_level_proxy", 0.9, DateTimeOffset.UtcNow.AddMinutes(-1));
        await data.CatchUpAsync(evaluator);
        Assert.Empty(await FlagsAsync(data, user));
    }

    [Fact]
    public async Task ACompanysDeactivatedDefaultClearsItsFlagsWhileOtherCompaniesKeepTheirs()
    {
        await using var app = await TestApp.StartAsync();
        var data = new JourneyData(app.Database.DataSource);
        var evaluator = app.Service<JourneyEvaluator>();
        var rules = app.Service<JourneyRuleStore>();
        var a = await data.CompanyAsync("A");
        var b = await data.CompanyAsync("B");
        var userA = await data.UserAsync("volunteer", a);
        var userB = await data.UserAsync("volunteer", b);
        await data.ScoreAsync(a, userA, "lang_level_proxy", 0.2, DateTimeOffset.UtcNow.AddMinutes(-1));
        await data.ScoreAsync(b, userB, "lang_level_proxy", 0.2, DateTimeOffset.UtcNow.AddMinutes(-1));
        await data.CatchUpAsync(evaluator);
        Assert.Equal(["language_support_needed"], await FlagsAsync(data, userA));

        await rules.SetActiveAsync("language_support_needed", false, new Shared.Security.Caller("admin-a", "", a, [Shared.Security.Roles.CompanyAdmin]));
        await evaluator.EvaluateAllAsync(a);

        Assert.Empty(await FlagsAsync(data, userA));
        Assert.Equal(["language_support_needed"], await FlagsAsync(data, userB));
    }

    [Fact]
    public async Task FactsLoadedOneUserPerBatchOnThreeConnectionsGiveEveryUserTheirOwnDecision()
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = await TestApp.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var data = new JourneyData(app.Database.DataSource);
        // Nine users in nine batches, shared by three connections: a batch lost, read twice or given to the wrong user
        // shows up as a wrong flag, a missing milestone or a second event.
        var evaluator = new JourneyEvaluator(app.Database.DataSource, app.Service<JourneyRuleStore>(), clock,
            Options.Create(new JourneyOptions { UserBatchSize = 1, FactLoaders = 3 }));
        var company = await data.CompanyAsync();
        var volunteer = await data.UserAsync("volunteer", company);
        var participants = new List<Guid>();
        for (var p = 0; p < 8; p++)
        {
            var participant = await data.UserAsync("participant", null);
            participants.Add(participant);
            for (var i = 0; i < 3; i++)
            {
                var s = await data.SessionAsync(company, participant, volunteer, Start.AddDays(-3 + i));
                // Even participants are rated 5 (mentor-ready), odd ones 2.
                await data.RatingAsync(company, s, volunteer, "volunteer", p % 2 == 0 ? 5 : 2, Start.AddDays(-3 + i));
            }
        }

        await data.CatchUpAsync(evaluator);

        for (var p = 0; p < participants.Count; p++)
        {
            Assert.Equal(p % 2 == 0 ? ["mentor_ready"] : [], await FlagsAsync(data, participants[p]));
            Assert.Equal(p % 2 == 0 ? 1 : 0, await EventsAsync(data, EventTypes.JourneyMilestoneReached, participants[p]));
        }

        // The volunteer received twelve 5s and twelve 2s: a mean of 3.5, not mentor-ready.
        Assert.Empty(await FlagsAsync(data, volunteer));
        Assert.Equal(0, (await data.CatchUpAsync(evaluator)).Changes);
        Assert.Equal(0, await evaluator.EvaluateAllAsync(null));
    }

    private static Task<List<string>> FlagsAsync(JourneyData data, Guid user) =>
        data.QueryAsync<string>("SELECT flag FROM impact.journey_flags WHERE user_id = @user ORDER BY flag", new { user });

    private static Task<int> EventsAsync(JourneyData data, string type, Guid user, string? change = null) =>
        data.ScalarAsync<int>(
            "SELECT count(*)::int FROM impact.events WHERE type = @type AND data ->> 'userId' = @u AND (@change::text IS NULL OR data ->> 'change' = @change)",
            new { type, u = user.ToString(), change });
}
