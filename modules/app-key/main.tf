# A key whose loss loses data (n8n's credential encryption key, Twenty's ENCRYPTION_KEY):
# generated once, kept in the encrypted state and in one Secret, and guarded three ways.
# - prevent_destroy on the generator and on the Secret: no plan may delete or replace them; a
#   deliberate decommission removes them from state first (README).
# - key_sha256: once recorded, any plan deploying another key fails, even after the state is
#   lost or someone forces a replacement.
# - key: an existing key can be brought in (migration, disaster recovery) instead of a new one.

locals {
  generate = nonsensitive(var.key == null)
  key      = local.generate ? random_bytes.key[0].base64 : var.key
}

resource "random_bytes" "key" {
  count = local.generate ? 1 : 0

  # The same as `openssl rand -base64 32`, what both apps' documentation asks for.
  length = 32

  lifecycle {
    prevent_destroy = true
  }
}

resource "kubernetes_secret_v1" "key" {
  metadata {
    name      = var.secret_name
    namespace = var.namespace
    labels    = merge(var.labels, { "platform/protected-key" = "true" })
  }

  data = {
    (var.env_name) = local.key
  }

  lifecycle {
    prevent_destroy = true

    precondition {
      condition     = var.key_sha256 == null || nonsensitive(sha256(local.key)) == var.key_sha256
      error_message = "The key this plan would store in Secret ${var.secret_name} is not the one recorded in key_sha256: deploying it would make everything encrypted with the old key unreadable. Restore the old key (pass it as the module's key input from your password manager) instead of replacing it."
    }
  }
}
