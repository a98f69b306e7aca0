// Key Vault (RBAC authorisation, no access policies) holding the secrets the apps read as
// Key Vault references: the Postgres connection string and the partners' webhook secrets.

param name string
param location string
param tags object
param postgresHost string
param postgresDatabase string
param postgresLogin string
@secure()
param postgresPassword string
@secure()
@description('Kintell signing secrets, space separated (more than one during a rotation).')
param kintellWebhookSecrets string
@secure()
@description('Impact-In partner credentials: benevityClientSecret, gooderaApiKey, workdayClientSecret (empty = platform not configured).')
param impactInSecrets object
@secure()
@description('Q2Q LLM provider keys: azureOpenAIApiKey, openAIApiKey (empty = not configured).')
param llmSecrets object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

// Npgsql accepts a double-quoted value, so a password with ';' or '=' still parses.
resource postgresConnectionString 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'postgres-connection-string'
  properties: {
    contentType: 'Npgsql connection string'
    value: 'Host=${postgresHost};Port=5432;Database=${postgresDatabase};Username=${postgresLogin};Password="${replace(postgresPassword, '"', '""')}";SSL Mode=Require'
  }
}

resource kintellSecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'webhooks-kintell-secrets'
  properties: {
    contentType: 'Space-separated webhook signing secrets'
    value: kintellWebhookSecrets
  }
}

// One secret per Impact-In credential; an empty value resolves to an empty setting, which the
// connector reports as "platform not configured".
var impactInSecretNames = ['benevityClientSecret', 'gooderaApiKey', 'workdayClientSecret']

resource impactInSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for secretName in impactInSecretNames: {
  parent: vault
  name: 'impactin-${toLower(secretName)}'
  properties: {
    contentType: 'Impact-In partner credential'
    value: impactInSecrets[secretName]
  }
}]

var llmSecretNames = ['azureOpenAIApiKey', 'openAIApiKey']

resource llmSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for secretName in llmSecretNames: {
  parent: vault
  name: 'llm-${toLower(secretName)}'
  properties: {
    contentType: 'Q2Q LLM provider API key'
    value: llmSecrets[secretName]
  }
}]

output name string = vault.name
// App-setting values, not secrets: the platform resolves them with the app's identity.
// Versionless URIs, so a rotated secret is picked up without a redeploy.
output postgresConnectionStringReference string = '@Microsoft.KeyVault(SecretUri=${postgresConnectionString.properties.secretUri})'
output kintellWebhookReference string = '@Microsoft.KeyVault(SecretUri=${kintellSecrets.properties.secretUri})'
output benevityCredentialReference string = '@Microsoft.KeyVault(SecretUri=${impactInSecret[0].properties.secretUri})'
output gooderaCredentialReference string = '@Microsoft.KeyVault(SecretUri=${impactInSecret[1].properties.secretUri})'
output workdayCredentialReference string = '@Microsoft.KeyVault(SecretUri=${impactInSecret[2].properties.secretUri})'
output azureOpenAIKeyReference string = '@Microsoft.KeyVault(SecretUri=${llmSecret[0].properties.secretUri})'
output openAIKeyReference string = '@Microsoft.KeyVault(SecretUri=${llmSecret[1].properties.secretUri})'
