// The one user-assigned identity both apps run as: storage, Key Vault, Service Bus and
// Application Insights trust it through role assignments (rbac.bicep), so no app holds a key.

param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
