namespace Impact.Shared.Journeys;

/// <summary>
/// Evaluates parsed rules over one user's <see cref="UserFacts"/>: a tree walk over the six
/// condition types, no code generation. <see cref="Decide"/> turns the matching rules into the
/// flags and milestones the user should have.
/// </summary>
public static class RuleInterpreter
{
    /// <summary>True when every condition of <paramref name="rule"/> holds for <paramref name="facts"/> at <paramref name="now"/>.</summary>
    public static bool Matches(JourneyRule rule, UserFacts facts, DateTimeOffset now) =>
        rule.Conditions.All(c => Holds(c, facts, now));

    /// <summary>Whether one condition holds.</summary>
    public static bool Holds(RuleCondition c, UserFacts facts, DateTimeOffset now) => c.Type switch
    {
        "all_of" => c.Conditions!.All(x => Holds(x, facts, now)),
        "any_of" => c.Conditions!.Any(x => Holds(x, facts, now)),
        "count" => Compare(Rows(c, facts, now).Count(), c.Op!, c.Number!.Value),
        "exists" => Rows(c, facts, now).Any(),
        "time_since" => Latest(c, facts, now) is { } t && Compare((now - t).TotalDays, c.Op!, c.Days!.Value),
        "value" => Value(c, facts, now),
        _ => throw new InvalidOperationException($"Unknown condition type '{c.Type}'."),
    };

    /// <summary>
    /// What the user's flags and milestones should be after evaluating <paramref name="rules"/> (active
    /// ones, in priority order: higher first, ties by id). The first matching rule that sets or clears a
    /// flag decides it; a flag set by a rule that no longer matches is cleared (unless another rule sets it).
    /// </summary>
    public static JourneyDecision Decide(IReadOnlyList<JourneyRule> rules, UserFacts facts, DateTimeOffset now)
    {
        var decided = new Dictionary<string, (bool Set, string Rule, double? Expires)>(StringComparer.Ordinal);
        var milestones = new List<(string Milestone, string Rule)>();
        foreach (var rule in Ordered(rules))
        {
            if (!Matches(rule, facts, now))
            {
                continue;
            }

            foreach (var action in rule.Actions)
            {
                switch (action.Type)
                {
                    case "set_flag" or "clear_flag":
                        decided.TryAdd(action.Flag!, (action.Type == "set_flag", rule.Id, action.ExpiresInDays));
                        break;
                    case "emit_event" when !facts.Milestones.Contains(action.Milestone!) && milestones.All(m => m.Milestone != action.Milestone):
                        milestones.Add((action.Milestone!, rule.Id));
                        break;
                }
            }
        }

        var set = new List<FlagChange>();
        var cleared = new List<FlagChange>();
        foreach (var (flag, d) in decided.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            var held = facts.Flags.TryGetValue(flag, out var f) && !Expired(f, now) ? f : null;
            if (d.Set && (held is null || held.SetByRule != d.Rule))
            {
                set.Add(new FlagChange(flag, d.Rule, d.Expires is { } days ? now.AddDays(days) : null));
            }
            else if (!d.Set && held is not null)
            {
                cleared.Add(new FlagChange(flag, d.Rule, null));
            }
        }

        // Truth maintenance: a flag a rule set stays only while some rule still sets it (the rule may also have been
        // deactivated or deleted); an expired flag goes too. A flag no rule set is left alone.
        foreach (var (flag, held) in facts.Flags.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            if (decided.ContainsKey(flag))
            {
                continue;
            }

            if (Expired(held, now) || held.SetByRule is not null)
            {
                cleared.Add(new FlagChange(flag, held.SetByRule, null));
            }
        }

        return new JourneyDecision(facts.UserId, set, cleared, milestones.Select(m => new MilestoneReached(m.Milestone, m.Rule)).ToList());
    }

    /// <summary>The active rules in evaluation order.</summary>
    public static IEnumerable<JourneyRule> Ordered(IEnumerable<JourneyRule> rules) =>
        rules.Where(r => r.Active).OrderByDescending(r => r.Priority).ThenBy(r => r.Id, StringComparer.Ordinal);

    private static bool Expired(FlagFact f, DateTimeOffset now) => f.ExpiresAt is { } e && e <= now;

    private static bool Value(RuleCondition c, UserFacts facts, DateTimeOffset now)
    {
        if (c.Source == "profile")
        {
            return c.Field == "role" && CompareText(facts.Role, c.Op!, c.Text!);
        }

        var rows = Rows(c, facts, now).ToList();
        if (rows.Count == 0)
        {
            return false; // nothing to compare: an absent value matches no comparison
        }

        if (c.Text is not null)
        {
            var latest = rows.MaxBy(r => r.Time)!;
            return CompareText(latest.TextOf(c.Field!), c.Op!, c.Text);
        }

        var values = rows.Select(r => (r.Time, Value: r.NumberOf(c.Field!))).Where(x => x.Value is not null).ToList();
        if (values.Count == 0)
        {
            return false;
        }

        var v = c.Aggregate switch
        {
            "avg" => values.Average(x => x.Value!.Value),
            "min" => values.Min(x => x.Value!.Value),
            "max" => values.Max(x => x.Value!.Value),
            "sum" => values.Sum(x => x.Value!.Value),
            // Ties in time go to the larger value, so the answer never depends on row order.
            "latest" => values.OrderByDescending(x => x.Time).ThenByDescending(x => x.Value).First().Value!.Value,
            _ => throw new InvalidOperationException($"Unknown aggregate '{c.Aggregate}'."),
        };
        return Compare(v, c.Op!, c.Number!.Value);
    }

    private static DateTimeOffset? Latest(RuleCondition c, UserFacts facts, DateTimeOffset now) =>
        Rows(c, facts, now).Select(r => r.Time).Where(t => t is not null).Max();

    private static IEnumerable<IFactRow> Rows(RuleCondition c, UserFacts facts, DateTimeOffset now)
    {
        IEnumerable<IFactRow> rows = c.Source switch
        {
            "sessions" => facts.Sessions,
            "ratings" => facts.Ratings,
            "outcome_scores" => facts.Scores,
            "flags" => facts.Flags.Values.Where(f => !Expired(f, now)),
            "profile" => [new ProfileRow(facts.Role)],
            _ => throw new InvalidOperationException($"Unknown source '{c.Source}'."),
        };
        return c.Where is { Count: > 0 } where ? rows.Where(r => Passes(r, where)) : rows;
    }

    private static bool Passes(IFactRow row, IReadOnlyDictionary<string, string> where)
    {
        foreach (var (field, value) in where)
        {
            if (!string.Equals(row.TextOf(field), value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Compare(double left, string op, double right) => op switch
    {
        ">=" => left >= right,
        "<=" => left <= right,
        "=" => left == right,
        "!=" => left != right,
        ">" => left > right,
        "<" => left < right,
        _ => throw new InvalidOperationException($"Unknown operator '{op}'."),
    };

    private static bool CompareText(string? left, string op, string right) => op switch
    {
        "=" => string.Equals(left, right, StringComparison.Ordinal),
        "!=" => !string.Equals(left, right, StringComparison.Ordinal),
        _ => false,
    };

    private sealed record ProfileRow(string? Role) : IFactRow
    {
        public DateTimeOffset? Time => null;

        public string? TextOf(string field) => field == "role" ? Role : null;

        public double? NumberOf(string field) => null;
    }
}
