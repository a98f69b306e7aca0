// Parameters for `az deployment group create --parameters infra/bicep/main.bicepparam`.
// Secrets and per-environment values come from environment variables, never from this file.
using 'main.bicep'

param environmentName = readEnvironmentVariable('IMPACT_ENVIRONMENT', 'dev')
param postgresAdminLogin = readEnvironmentVariable('POSTGRES_ADMIN_LOGIN', 'impactadmin')
param postgresAdminPassword = readEnvironmentVariable('POSTGRES_ADMIN_PASSWORD')
param kintellWebhookSecrets = readEnvironmentVariable('KINTELL_WEBHOOK_SECRETS')
param jwtAuthority = readEnvironmentVariable('JWT_AUTHORITY')
param jwtAudience = readEnvironmentVariable('JWT_AUDIENCE', 'api://impact-api')
param clientIpAddress = readEnvironmentVariable('CLIENT_IP_ADDRESS', '')
param benevityClientSecret = readEnvironmentVariable('IMPACTIN_BENEVITY_CLIENT_SECRET', '')
param gooderaApiKey = readEnvironmentVariable('IMPACTIN_GOODERA_API_KEY', '')
param workdayClientSecret = readEnvironmentVariable('IMPACTIN_WORKDAY_CLIENT_SECRET', '')
param azureOpenAIEndpoint = readEnvironmentVariable('AZURE_OPENAI_ENDPOINT', '')
param azureOpenAIApiKey = readEnvironmentVariable('AZURE_OPENAI_API_KEY', '')
param openAIApiKey = readEnvironmentVariable('OPENAI_API_KEY', '')
