namespace Impact.Shared.Journeys;
