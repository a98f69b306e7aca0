using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Impact.Shared.Journeys;

/// <summary>
/// Reads journey rules from YAML or JSON (JSON is read as YAML, so both report lines) into
/// <see cref="JourneyRule"/> values, checking every field against <see cref="RuleVocabulary"/>.
/// Nothing is compiled or executed: the result is data for <see cref="RuleInterpreter"/>.
/// </summary>
public static partial class RuleParser
{
    /// <summary>The longest rule text accepted.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>Nesting of <c>all_of</c>/<c>any_of</c> allowed.</summary>
    public const int MaxDepth = 8;

    /// <summary>Parses one rule (a mapping). Returns null with the errors when anything is wrong.</summary>
    public static JourneyRule? ParseRule(string text, out IReadOnlyList<RuleError> errors)
    {
        var list = new List<RuleError>();
        errors = list;
        var root = Load(text, list);
        if (root is null)
        {
            return null;
        }

        if (root is not YamlMappingNode map)
        {
            list.Add(new("(rule)", Line(root), "A rule is a mapping with id, name, conditions and actions."));
            return null;
        }

        var rule = Rule(map, "", list);
        return list.Count == 0 ? rule : null;
    }

    /// <summary>Parses a rule file: a sequence of rules, or a mapping with a <c>rules</c> sequence.</summary>
    public static IReadOnlyList<JourneyRule> ParseRules(string text, out IReadOnlyList<RuleError> errors)
    {
        var list = new List<RuleError>();
        errors = list;
        var root = Load(text, list);
        if (root is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode("rules"), out var inner))
        {
            root = inner;
        }

        if (root is not YamlSequenceNode seq)
        {
            if (root is not null)
            {
                list.Add(new("rules", Line(root), "Expected a list of rules."));
            }

            return [];
        }

        var rules = new List<JourneyRule>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            if (seq.Children[i] is YamlMappingNode rm)
            {
                if (Rule(rm, $"rules[{i}].", list) is { } r)
                {
                    rules.Add(r);
                }
            }
            else
            {
                list.Add(new($"rules[{i}]", Line(seq.Children[i]), "A rule is a mapping."));
            }
        }

        foreach (var dup in rules.GroupBy(r => r.Id).Where(g => g.Count() > 1))
        {
            list.Add(new("rules", null, $"The id '{dup.Key}' is used by {dup.Count()} rules."));
        }

        return list.Count == 0 ? rules : [];
    }

    /// <summary>True when <paramref name="id"/> is a well-formed rule id.</summary>
    public static bool IsRuleId(string? id) => id is not null && IdPattern().IsMatch(id);

    private static YamlNode? Load(string text, List<RuleError> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(new("(rule)", null, "The rule is empty."));
            return null;
        }

        if (text.Length > MaxLength)
        {
            errors.Add(new("(rule)", null, $"The rule is longer than {MaxLength} characters."));
            return null;
        }

        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count != 1)
            {
                errors.Add(new("(rule)", null, "Give exactly one YAML or JSON document."));
                return null;
            }

            return stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            // The parser's message names what it expected; the position is the useful part.
            errors.Add(new("(syntax)", (int)e.Start.Line, $"Not valid YAML or JSON: {FirstLine(e.Message)}"));
            return null;
        }
    }

    private static JourneyRule? Rule(YamlMappingNode map, string at, List<RuleError> errors)
    {
        var before = errors.Count;
        Unknown(map, at, errors, "id", "name", "description", "priority", "active", "conditions", "actions");
        var id = RequiredText(map, at, "id", errors);
        if (id is not null && !IsRuleId(id))
        {
            errors.Add(new(at + "id", Line(map, "id"), "Use lower-case letters, digits and '_', starting with a letter (at most 63)."));
        }

        var name = RequiredText(map, at, "name", errors);
        var description = OptionalText(map, at, "description", errors);
        var priority = (int)(OptionalNumber(map, at, "priority", errors, integer: true) ?? 0);
        var active = OptionalBool(map, at, "active", errors) ?? true;

        var conditions = new List<RuleCondition>();
        if (Child(map, "conditions") is YamlSequenceNode cs && cs.Children.Count > 0)
        {
            for (var i = 0; i < cs.Children.Count; i++)
            {
                if (Condition(cs.Children[i], $"{at}conditions[{i}]", 1, errors) is { } c)
                {
                    conditions.Add(c);
                }
            }
        }
        else
        {
            errors.Add(new(at + "conditions", Line(map, "conditions") ?? Line(map), "Give a non-empty list of conditions."));
        }

        var actions = new List<RuleAction>();
        if (Child(map, "actions") is YamlSequenceNode acts && acts.Children.Count > 0)
        {
            for (var i = 0; i < acts.Children.Count; i++)
            {
                if (Action(acts.Children[i], $"{at}actions[{i}]", errors) is { } a)
                {
                    actions.Add(a);
                }
            }
        }
        else
        {
            errors.Add(new(at + "actions", Line(map, "actions") ?? Line(map), "Give a non-empty list of actions."));
        }

        return errors.Count == before ? new JourneyRule(id!, name!, description, priority, active, conditions, actions) : null;
    }

    private static RuleCondition? Condition(YamlNode node, string at, int depth, List<RuleError> errors)
    {
        if (node is not YamlMappingNode map)
        {
            errors.Add(new(at, Line(node), "A condition is a mapping with a type."));
            return null;
        }

        var before = errors.Count;
        var type = RequiredText(map, at + ".", "type", errors);
        if (type is null)
        {
            return null;
        }

        if (!RuleVocabulary.ConditionTypes.Contains(type))
        {
            errors.Add(new(at + ".type", Line(map, "type"), $"'{type}' is not a condition type; use one of {string.Join(", ", RuleVocabulary.ConditionTypes)}."));
            return null;
        }

        if (type is "all_of" or "any_of")
        {
            Unknown(map, at + ".", errors, "type", "conditions");
            if (depth >= MaxDepth)
            {
                errors.Add(new(at, Line(map), $"Conditions nest at most {MaxDepth} deep."));
                return null;
            }

            var nested = new List<RuleCondition>();
            if (Child(map, "conditions") is YamlSequenceNode cs && cs.Children.Count > 0)
            {
                for (var i = 0; i < cs.Children.Count; i++)
                {
                    if (Condition(cs.Children[i], $"{at}.conditions[{i}]", depth + 1, errors) is { } c)
                    {
                        nested.Add(c);
                    }
                }
            }
            else
            {
                errors.Add(new(at + ".conditions", Line(map, "conditions") ?? Line(map), $"'{type}' needs a non-empty list of conditions."));
            }

            return errors.Count == before ? new RuleCondition(type, Conditions: nested) : null;
        }

        Unknown(map, at + ".", errors, "type", "source", "where", "field", "dimension", "aggregate", "op", "value", "days");
        var source = RequiredText(map, at + ".", "source", errors);
        RuleVocabulary.SourceFields? fields = null;
        if (source is not null && !RuleVocabulary.Sources.TryGetValue(source, out fields))
        {
            errors.Add(new(at + ".source", Line(map, "source"), $"'{source}' is not a source; use one of {string.Join(", ", RuleVocabulary.Sources.Keys)}."));
        }

        var where = Where(map, at, fields, errors);
        var dimension = OptionalText(map, at + ".", "dimension", errors);
        if (dimension is not null && source != "outcome_scores")
        {
            errors.Add(new(at + ".dimension", Line(map, "dimension"), "'dimension' belongs to source outcome_scores only."));
        }

        string? op = null;
        if (type != "exists")
        {
            op = RequiredText(map, at + ".", "op", errors);
            if (op is not null && !RuleVocabulary.Operators.Contains(op))
            {
                errors.Add(new(at + ".op", Line(map, "op"), $"'{op}' is not an operator; use one of {string.Join(" ", RuleVocabulary.Operators)}."));
            }
        }
        else if (Child(map, "op") is not null || Child(map, "value") is not null)
        {
            errors.Add(new(at, Line(map), "'exists' takes a source and an optional where, no op or value."));
        }

        string? field = null, aggregate = null, text = null;
        double? number = null, days = null;
        switch (type)
        {
            case "count":
                number = RequiredNumber(map, at, "value", errors);
                if (number < 0)
                {
                    errors.Add(new(at + ".value", Line(map, "value"), "A count is compared with a number ≥ 0."));
                }

                break;
            case "time_since":
                days = RequiredNumber(map, at, "days", errors);
                if (days < 0)
                {
                    errors.Add(new(at + ".days", Line(map, "days"), "Give days ≥ 0."));
                }

                if (fields is { Time: null })
                {
                    errors.Add(new(at + ".source", Line(map, "source"), $"'{source}' has no time to measure from."));
                }

                break;
            case "value":
                field = RequiredText(map, at + ".", "field", errors);
                aggregate = OptionalText(map, at + ".", "aggregate", errors);
                if (fields is not null && field is not null)
                {
                    if (fields.Numeric.Contains(field))
                    {
                        number = RequiredNumber(map, at, "value", errors);
                        if (source != "profile" && aggregate is null)
                        {
                            errors.Add(new(at + ".aggregate", Line(map), $"Say how to combine the rows: aggregate {string.Join("|", RuleVocabulary.Aggregates)}."));
                        }
                    }
                    else if (fields.Text.Contains(field))
                    {
                        text = RequiredText(map, at + ".", "value", errors);
                        if (op is not null and not ("=" or "!="))
                        {
                            errors.Add(new(at + ".op", Line(map, "op"), $"'{field}' is text: compare it with = or !=."));
                        }

                        if (source != "profile" && aggregate is not (null or "latest"))
                        {
                            errors.Add(new(at + ".aggregate", Line(map, "aggregate"), "A text field can only be read from the latest row."));
                        }
                    }
                    else
                    {
                        errors.Add(new(at + ".field", Line(map, "field"),
                            $"'{source}' has no field '{field}'; use one of {string.Join(", ", fields.Numeric.Concat(fields.Text))}."));
                    }
                }

                if (aggregate is not null && !RuleVocabulary.Aggregates.Contains(aggregate))
                {
                    errors.Add(new(at + ".aggregate", Line(map, "aggregate"), $"'{aggregate}' is not an aggregate; use one of {string.Join(", ", RuleVocabulary.Aggregates)}."));
                }

                if (source == "profile" && aggregate is not null)
                {
                    errors.Add(new(at + ".aggregate", Line(map, "aggregate"), "The profile is one row: no aggregate."));
                }

                break;
        }

        if (source == "outcome_scores" && dimension is null && (where is null || !where.ContainsKey("dimension")) && type == "value")
        {
            errors.Add(new(at + ".dimension", Line(map), "Name the outcome dimension (e.g. dimension: lang_level_proxy)."));
        }

        if (dimension is not null)
        {
            var w = new Dictionary<string, string>(where ?? new Dictionary<string, string>()) { ["dimension"] = dimension };
            where = w;
        }

        return errors.Count == before
            ? new RuleCondition(type, source, where, field, dimension, aggregate, op, number, text, days)
            : null;
    }

    private static Dictionary<string, string>? Where(YamlMappingNode map, string at, RuleVocabulary.SourceFields? fields, List<RuleError> errors)
    {
        var node = Child(map, "where");
        if (node is null)
        {
            return null;
        }

        if (node is not YamlMappingNode wm)
        {
            errors.Add(new(at + ".where", Line(node), "'where' is a mapping of field: value."));
            return null;
        }

        var where = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in wm.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            if (fields is not null && !fields.Text.Contains(key))
            {
                errors.Add(new($"{at}.where.{key}", Line(k), $"Can't filter on '{key}'; use one of {string.Join(", ", fields.Text)}."));
            }
            else if (v is not YamlScalarNode { Value: { Length: > 0 } value })
            {
                errors.Add(new($"{at}.where.{key}", Line(v), "Give one value."));
            }
            else
            {
                where[key] = value;
            }
        }

        return where;
    }

    private static RuleAction? Action(YamlNode node, string at, List<RuleError> errors)
    {
        if (node is not YamlMappingNode map)
        {
            errors.Add(new(at, Line(node), "An action is a mapping with a type."));
            return null;
        }

        var before = errors.Count;
        Unknown(map, at + ".", errors, "type", "flag", "milestone", "expires_in_days");
        var type = RequiredText(map, at + ".", "type", errors);
        string? flag = null, milestone = null;
        double? expires = null;
        switch (type)
        {
            case null:
                break;
            case "set_flag" or "clear_flag":
                flag = RequiredText(map, at + ".", "flag", errors);
                if (flag is not null && !IsRuleId(flag))
                {
                    errors.Add(new(at + ".flag", Line(map, "flag"), "A flag name uses lower-case letters, digits and '_'."));
                }

                if (type == "set_flag")
                {
                    expires = OptionalNumber(map, at + ".", "expires_in_days", errors, integer: false);
                    if (expires <= 0)
                    {
                        errors.Add(new(at + ".expires_in_days", Line(map, "expires_in_days"), "Give a number of days > 0."));
                    }
                }

                break;
            case "emit_event":
                milestone = RequiredText(map, at + ".", "milestone", errors);
                if (milestone is not null && !IsRuleId(milestone))
                {
                    errors.Add(new(at + ".milestone", Line(map, "milestone"), "A milestone name uses lower-case letters, digits and '_'."));
                }

                break;
            default:
                errors.Add(new(at + ".type", Line(map, "type"), $"'{type}' is not an action type; use one of {string.Join(", ", RuleVocabulary.ActionTypes)}."));
                break;
        }

        return errors.Count == before ? new RuleAction(type!, flag, milestone, expires) : null;
    }

    private static void Unknown(YamlMappingNode map, string at, List<RuleError> errors, params string[] known)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "?";
            if (!known.Contains(name))
            {
                errors.Add(new(at + name, Line(key), $"Unknown field '{name}'; expected one of {string.Join(", ", known)}."));
            }
        }
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    private static string? RequiredText(YamlMappingNode map, string at, string key, List<RuleError> errors)
    {
        var value = OptionalText(map, at, key, errors);
        if (value is null && Child(map, key) is null)
        {
            errors.Add(new(at + key, Line(map), $"'{key}' is required."));
        }

        return value;
    }

    private static string? OptionalText(YamlMappingNode map, string at, string key, List<RuleError> errors)
    {
        var node = Child(map, key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode { Value: { } v } when !string.IsNullOrWhiteSpace(v):
                return v.Trim();
            default:
                errors.Add(new(at + key, Line(node), $"'{key}' must be a non-empty text."));
                return null;
        }
    }

    private static double? RequiredNumber(YamlMappingNode map, string at, string key, List<RuleError> errors)
    {
        var value = OptionalNumber(map, at + ".", key, errors, integer: false);
        if (value is null && Child(map, key) is null)
        {
            errors.Add(new($"{at}.{key}", Line(map), $"'{key}' is required (a number)."));
        }

        return value;
    }

    private static double? OptionalNumber(YamlMappingNode map, string at, string key, List<RuleError> errors, bool integer)
    {
        var node = Child(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } v } && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            && (!integer || (d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue)))
        {
            return d;
        }

        errors.Add(new(at + key, Line(node), integer ? $"'{key}' must be a whole number." : $"'{key}' must be a number."));
        return null;
    }

    private static bool? OptionalBool(YamlMappingNode map, string at, string key, List<RuleError> errors)
    {
        var node = Child(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } v } && bool.TryParse(v, out var b))
        {
            return b;
        }

        errors.Add(new(at + key, Line(node), $"'{key}' must be true or false."));
        return null;
    }

    private static int? Line(YamlMappingNode map, string key) =>
        map.Children.Keys.FirstOrDefault(k => k is YamlScalarNode s && s.Value == key) is { } k2 ? Line(k2) : null;

    private static int? Line(YamlNode node) => node.Start.Line > 0 ? (int)node.Start.Line : null;

    private static string FirstLine(string message)
    {
        var i = message.IndexOf('\n');
        return i < 0 ? message : message[..i];
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$")]
    private static partial Regex IdPattern();
}
