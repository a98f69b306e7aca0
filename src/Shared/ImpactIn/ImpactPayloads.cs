using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace Impact.Shared.ImpactIn;

/// <summary>Builds the partner payloads of SPEC §D from real metrics.</summary>
public static class ImpactPayloads
{
    /// <summary>The programme id used when a schedule does not name one.</summary>
    public const string DefaultProgramId = "kintell-volunteering";

    /// <summary>The programme name partners see.</summary>
    public const string ProgramName = "Kintell language practice and mentorship";

    /// <summary>Serializer for partner payloads: camelCase, nulls left out (optional fields), no indentation.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads the metrics of the subject's period and builds the exact body to send.</summary>
    public static async Task<string> BuildAsync(NpgsqlConnection connection, DeliverySubject subject, CancellationToken ct = default)
    {
        var metrics = await ImpactMetrics.ReadAsync(connection, subject.CompanyId, subject.Period.FromUtc, subject.Period.ToUtc, ct);
        return Build(subject, metrics);
    }

    /// <summary>The body for the subject's platform.</summary>
    public static string Build(DeliverySubject subject, ImpactMetrics metrics) => subject.Platform switch
    {
        Platforms.Benevity => JsonSerializer.Serialize(Benevity(subject, metrics), Json),
        Platforms.Goodera => JsonSerializer.Serialize(Goodera(subject, metrics), Json),
        Platforms.Workday => JsonSerializer.Serialize(Workday(subject, metrics), Json),
        _ => throw new ArgumentException($"Unknown platform '{subject.Platform}'.", nameof(subject)),
    };

    private static readonly Dictionary<string, string> DimensionNames = new()
    {
        [Feedback.OutcomeDimensions.Confidence] = "confidence",
        [Feedback.OutcomeDimensions.Belonging] = "belonging",
        [Feedback.OutcomeDimensions.LangLevelProxy] = "language comfort",
        [Feedback.OutcomeDimensions.JobReadiness] = "job readiness",
        [Feedback.OutcomeDimensions.WellBeing] = "well-being",
    };

    private static string Org(DeliverySubject s) => s.OrganizationId ?? s.CompanyId.ToString();

    private static string Program(DeliverySubject s) => s.ProgramId ?? DefaultProgramId;

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static object Benevity(DeliverySubject s, ImpactMetrics m)
    {
        var metrics = new List<object>
        {
            new { metricType = "volunteer_hours", metricValue = m.VolunteerHours, metricUnit = "hours", category = "volunteering",
                description = $"Hours volunteers spent in {m.Sessions} completed sessions" },
            new { metricType = "participant_count", metricValue = (decimal)m.Participants, metricUnit = "people", category = "beneficiaries",
                description = "Distinct participants who had at least one session" },
            new { metricType = "program_participation", metricValue = (decimal)m.Volunteers, metricUnit = "volunteers", category = "volunteering",
                description = "Distinct employees who volunteered" },
        };
        if (m.OutcomeScore is { } score)
        {
            metrics.Add(new { metricType = "outcome_score", metricValue = (decimal)score, metricUnit = "score_0_1", category = "outcomes",
                description = $"Mean outcome score (confidence, belonging, language comfort, job readiness, well-being) of {m.ScoredTexts} participant feedback texts" });
        }

        return new
        {
            organizationId = Org(s),
            programId = Program(s),
            programName = ProgramName,
            reportingPeriod = new { startDate = Date(s.Period.Start), endDate = Date(s.Period.End) },
            metrics,
            timestamp = Timestamp(s.ScheduledFor),
        };
    }

    private static object Goodera(DeliverySubject s, ImpactMetrics m)
    {
        var dimensions = new List<object>
        {
            new { dimensionId = "volunteer_hours", dimensionName = "Volunteer hours", value = m.VolunteerHours, unit = "hours", beneficiaries = (int?)m.Participants },
            new { dimensionId = "sessions", dimensionName = "Completed sessions", value = (decimal)m.Sessions, unit = "sessions", beneficiaries = (int?)m.Participants },
            new { dimensionId = "participants", dimensionName = "Participants reached", value = (decimal)m.Participants, unit = "people", beneficiaries = (int?)null },
            new { dimensionId = "volunteers", dimensionName = "Employee volunteers", value = (decimal)m.Volunteers, unit = "people", beneficiaries = (int?)null },
        };
        foreach (var t in m.BySessionType)
        {
            dimensions.Add(new { dimensionId = $"{t.SessionType}_hours", dimensionName = $"Volunteer hours ({t.SessionType})", value = t.VolunteerHours, unit = "hours", beneficiaries = (int?)t.Participants });
        }

        if (m.OutcomeScore is { } score)
        {
            dimensions.Add(new { dimensionId = "outcome_score", dimensionName = "Mean outcome score of participant feedback", value = (decimal)score, unit = "score_0_1", beneficiaries = (int?)m.ScoredTexts });
        }

        foreach (var (dimension, mean) in m.Outcomes)
        {
            dimensions.Add(new { dimensionId = $"outcome_{dimension}", dimensionName = $"Outcome: {DimensionNames[dimension]}", value = (decimal)mean, unit = "score_0_1", beneficiaries = (int?)m.ScoredTexts });
        }

        return new
        {
            projectId = Program(s),
            organizationId = Org(s),
            reportingPeriod = new { from = Date(s.Period.Start), to = Date(s.Period.End) },
            impactDimensions = dimensions,
            metadata = new { source = "impact-platform", timestamp = Timestamp(s.ScheduledFor), version = "1.0" },
        };
    }

    private static object Workday(DeliverySubject s, ImpactMetrics m)
    {
        var period = s.Period.Start.ToString("yyyyMM", CultureInfo.InvariantCulture);
        return new
        {
            organizationId = Org(s),
            reportingPeriod = new { startDate = Date(s.Period.Start), endDate = Date(s.Period.End) },
            volunteerActivities = m.BySessionType.Select(t => new
            {
                activityId = $"{Program(s)}-{t.SessionType}-{period}",
                activityName = t.SessionType == "language" ? "Language practice sessions" : "Mentorship sessions",
                activityType = t.SessionType,
                volunteerHours = t.VolunteerHours,
                participantCount = t.Participants,
                activityDate = Date(s.Period.End),
                status = "completed",
            }).ToList(),
            programEnrollments = new[]
            {
                new
                {
                    programId = Program(s),
                    programName = ProgramName,
                    enrolledVolunteers = m.Volunteers,
                    enrolledParticipants = m.Participants,
                    sessions = m.Sessions,
                    outcomeScore = m.OutcomeScore,
                },
            },
            metadata = new { source = "impact-platform", timestamp = Timestamp(s.ScheduledFor), version = "1.0" },
        };
    }
}
