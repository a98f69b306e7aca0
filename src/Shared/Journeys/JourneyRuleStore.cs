using System.Net;
using System.Reflection;
using System.Text.Json;
using Dapper;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Npgsql;

namespace Impact.Shared.Journeys;

/// <summary>
/// <c>impact.journey_rules</c>: the platform defaults (company NULL, from <c>default-rules.yaml</c>, written
/// once per process on first use) and each company's own rules, which override a default of the same id.
/// Every change is audited.
/// </summary>
public sealed class JourneyRuleStore(NpgsqlDataSource db, TimeProvider time)
{
    private readonly SemaphoreSlim defaultsGate = new(1, 1);
    private volatile bool defaultsLoaded;

    /// <summary>The default rules shipped with the app.</summary>
    public static IReadOnlyList<JourneyRule> Defaults { get; } = LoadDefaults(out _);

    /// <summary>The default rules' YAML.</summary>
    public static string DefaultsYaml { get; } = ReadDefaults();

    /// <summary>Writes the default rules (company NULL) when they differ from what is stored; idempotent, once per process.</summary>
    public async Task EnsureDefaultsAsync(CancellationToken ct = default)
    {
        if (defaultsLoaded)
        {
            return;
        }

        await defaultsGate.WaitAsync(ct);
        try
        {
            if (defaultsLoaded)
            {
                return;
            }

            await using var conn = await db.OpenConnectionAsync(ct);
            foreach (var rule in Defaults)
            {
                await conn.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO impact.journey_rules (company_id, rule_id, name, description, priority, active, definition, source)
                    VALUES (NULL, @Id, @Name, @Description, @Priority, @Active, @definition::jsonb, @source)
                    ON CONFLICT (coalesce(company_id, '00000000-0000-0000-0000-000000000000'::uuid), rule_id) DO UPDATE
                    SET name = EXCLUDED.name, description = EXCLUDED.description, priority = EXCLUDED.priority,
                        active = EXCLUDED.active, definition = EXCLUDED.definition, source = EXCLUDED.source, updated_at = clock_timestamp()
                    WHERE journey_rules.definition IS DISTINCT FROM EXCLUDED.definition OR journey_rules.source IS DISTINCT FROM EXCLUDED.source
                    """, new { rule.Id, rule.Name, rule.Description, rule.Priority, rule.Active, definition = Serialize(rule), source = DefaultsYaml },
                    cancellationToken: ct));
            }

            defaultsLoaded = true;
        }
        finally
        {
            defaultsGate.Release();
        }
    }

    /// <summary>The rules in force for each of <paramref name="companyIds"/> (defaults overridden by the company's own), active or not.</summary>
    public async Task<Dictionary<Guid, IReadOnlyList<JourneyRule>>> EffectiveAsync(NpgsqlConnection conn, NpgsqlTransaction? tx,
        IReadOnlyCollection<Guid> companyIds, CancellationToken ct = default)
    {
        await EnsureDefaultsAsync(ct);
        var rows = (await conn.QueryAsync<(Guid? CompanyId, string RuleId, string Definition)>(new CommandDefinition(
            "SELECT company_id, rule_id, definition::text FROM impact.journey_rules WHERE company_id IS NULL OR company_id = ANY(@ids)",
            new { ids = companyIds.Distinct().ToArray() }, tx, cancellationToken: ct))).ToList();
        var defaults = rows.Where(r => r.CompanyId is null).ToDictionary(r => r.RuleId, r => Deserialize(r.Definition));
        var result = new Dictionary<Guid, IReadOnlyList<JourneyRule>>();
        foreach (var company in companyIds.Distinct())
        {
            var own = rows.Where(r => r.CompanyId == company).ToDictionary(r => r.RuleId, r => Deserialize(r.Definition));
            result[company] = [.. defaults.Where(d => !own.ContainsKey(d.Key)).Select(d => d.Value).Concat(own.Values)];
        }

        return result;
    }

    /// <summary>The rules in force for the caller's company, in evaluation order (active first).</summary>
    public async Task<IReadOnlyList<JourneyRuleView>> ListAsync(Caller caller, CancellationToken ct = default)
    {
        await EnsureDefaultsAsync(ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<RuleRow>(new CommandDefinition(
            """
            SELECT DISTINCT ON (rule_id) rule_id, company_id, definition::text AS definition, source, updated_at
            FROM impact.journey_rules
            WHERE company_id IS NULL OR company_id = @company
            ORDER BY rule_id, company_id NULLS LAST
            """, new { company = Company(caller) }, cancellationToken: ct));
        return [.. rows.Select(View).OrderByDescending(v => v.Rule.Active).ThenByDescending(v => v.Rule.Priority).ThenBy(v => v.Id, StringComparer.Ordinal)];
    }

    /// <summary>One rule in force for the caller's company; 404 when there is none.</summary>
    public async Task<JourneyRuleView> GetAsync(string ruleId, Caller caller, CancellationToken ct = default)
    {
        await EnsureDefaultsAsync(ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        return await FindAsync(conn, null, ruleId, Company(caller), ct) ?? throw NotFound(ruleId);
    }

    /// <summary>
    /// Saves the company's own rule <paramref name="rule"/> (new, or replacing its own or overriding a default of the same id).
    /// <paramref name="mustBeNew"/>: a 409 when the company already has its own rule with this id.
    /// </summary>
    public async Task<JourneyRuleView> SaveAsync(JourneyRule rule, string source, bool mustBeNew, Caller caller, CancellationToken ct = default)
    {
        await EnsureDefaultsAsync(ct);
        var company = Company(caller);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var now = time.GetUtcNow();
        var written = await conn.ExecuteAsync(new CommandDefinition(
            mustBeNew
                ? """
                  INSERT INTO impact.journey_rules (company_id, rule_id, name, description, priority, active, definition, source, created_at, updated_at)
                  VALUES (@company, @Id, @Name, @Description, @Priority, @Active, @definition::jsonb, @source, @now, @now)
                  ON CONFLICT DO NOTHING
                  """
                : """
                  INSERT INTO impact.journey_rules (company_id, rule_id, name, description, priority, active, definition, source, created_at, updated_at)
                  VALUES (@company, @Id, @Name, @Description, @Priority, @Active, @definition::jsonb, @source, @now, @now)
                  ON CONFLICT (coalesce(company_id, '00000000-0000-0000-0000-000000000000'::uuid), rule_id) DO UPDATE
                  SET name = EXCLUDED.name, description = EXCLUDED.description, priority = EXCLUDED.priority, active = EXCLUDED.active,
                      definition = EXCLUDED.definition, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
                  """,
            new { company, rule.Id, rule.Name, rule.Description, rule.Priority, rule.Active, definition = Serialize(rule), source, now },
            tx, cancellationToken: ct));
        if (written == 0)
        {
            throw new ProblemException(HttpStatusCode.Conflict, "The rule exists", $"Your company already has a journey rule '{rule.Id}'. Change it with PUT /v1/journeys/rules/{rule.Id}.");
        }

        await AuditLog.AppendAsync(conn, tx, caller, mustBeNew ? "journey.rule.created" : "journey.rule.saved", $"journey_rule:{rule.Id}",
            new { ruleId = rule.Id, rule.Active, rule.Priority }, ct);
        var view = await FindAsync(conn, tx, rule.Id, company, ct);
        await tx.CommitAsync(ct);
        return view!;
    }

    /// <summary>
    /// Switches a rule on or off for the caller's company. A default is switched by saving the company's own
    /// copy of it with the new state (the default itself is never changed through the API).
    /// </summary>
    public async Task<JourneyRuleView> SetActiveAsync(string ruleId, bool active, Caller caller, CancellationToken ct = default)
    {
        var current = await GetAsync(ruleId, caller, ct);
        return await SaveAsync(current.Rule with { Active = active }, current.Source, mustBeNew: false, caller, ct);
    }

    /// <summary>Deletes the company's own rule (a default it overrode is in force again); 404 when the company has none with this id.</summary>
    public async Task DeleteAsync(string ruleId, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var deleted = await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM impact.journey_rules WHERE company_id = @company AND rule_id = @ruleId",
            new { company = Company(caller), ruleId }, tx, cancellationToken: ct));
        if (deleted == 0)
        {
            throw ProblemException.NotFound(
                $"Your company has no rule of its own with id '{ruleId}' (a default rule can be overridden or deactivated, not deleted).");
        }

        await AuditLog.AppendAsync(conn, tx, caller, "journey.rule.deleted", $"journey_rule:{ruleId}", new { ruleId }, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>The stored JSON form of a rule.</summary>
    public static string Serialize(JourneyRule rule) => JsonSerializer.Serialize(rule, JsonDefaults.Web);

    /// <summary>A rule back from its stored JSON form.</summary>
    public static JourneyRule Deserialize(string json) =>
        JsonSerializer.Deserialize<JourneyRule>(json, JsonDefaults.Web) ?? throw new InvalidOperationException("A stored journey rule is empty.");

    private static async Task<JourneyRuleView?> FindAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string ruleId, Guid company, CancellationToken ct)
    {
        var row = await conn.QueryFirstOrDefaultAsync<RuleRow>(new CommandDefinition(
            """
            SELECT rule_id, company_id, definition::text AS definition, source, updated_at
            FROM impact.journey_rules
            WHERE rule_id = @ruleId AND (company_id IS NULL OR company_id = @company)
            ORDER BY company_id NULLS LAST
            LIMIT 1
            """, new { ruleId, company }, tx, cancellationToken: ct));
        return row is null ? null : View(row);
    }

    private static JourneyRuleView View(RuleRow r) =>
        new(r.rule_id, r.company_id is null ? "default" : "company", Deserialize(r.definition), r.source,
            new DateTimeOffset(DateTime.SpecifyKind(r.updated_at, DateTimeKind.Utc)));

    // Journey rules belong to a company; the API is for company administrators, who always have one.
    private static Guid Company(Caller caller) => caller.CompanyId
        ?? throw new ProblemException(HttpStatusCode.Forbidden, "No company", "Journey rules belong to a company: use a token with a company_id claim.");

    private static ProblemException NotFound(string ruleId) => ProblemException.NotFound($"There is no journey rule with id '{ruleId}'.");

    private static IReadOnlyList<JourneyRule> LoadDefaults(out IReadOnlyList<RuleError> errors)
    {
        var rules = RuleParser.ParseRules(ReadDefaults(), out errors);
        return errors.Count == 0
            ? rules
            : throw new InvalidOperationException("default-rules.yaml is not valid: " + string.Join("; ", errors));
    }

    private static string ReadDefaults()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Impact.Shared.Journeys.default-rules.yaml")
                           ?? throw new InvalidOperationException("default-rules.yaml is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private sealed record RuleRow(string rule_id, Guid? company_id, string definition, string source, DateTime updated_at);
}
