# Spaces holds objects only, never a filesystem: backups, Velero's repository, WordPress media
# and the OpenTofu state. Each bucket exists while its consumer is enabled, with lifecycle
# rules by age (never by date) that suit what it holds, and each consumer gets one key that
# can read and write its own bucket and nothing else.

locals {
  # versioning: a deleted or overwritten object stays recoverable for noncurrent_days.
  # expire_days: current objects older than this are deleted (under expire_prefix only, when set).
  buckets = {
    state = {
      enabled         = true
      purpose         = "OpenTofu state of both stacks (the backend's key prefix per stack)"
      versioning      = true
      expire_days     = null
      expire_prefix   = null
      noncurrent_days = 90
    }
    db_backups = {
      enabled         = var.components.postgres || var.components.mariadb
      purpose         = "PostgreSQL and MariaDB dumps of the data layer's backup CronJobs"
      versioning      = true
      expire_days     = var.backup_retention_days
      expire_prefix   = null
      noncurrent_days = 7
    }
    mail_backups = {
      enabled         = var.components.mailu
      purpose         = "Mailu backups (maildir, configuration, DKIM keys)"
      versioning      = true
      expire_days     = var.backup_retention_days
      expire_prefix   = null
      noncurrent_days = 7
    }
    # Velero expires its own backups (TTL) and its kopia repository shares blocks between
    # backups, so an age rule may only touch the backup metadata under backups/, and only
    # well after Velero's TTL: a sweep for leftovers, never the retention itself.
    velero = {
      enabled         = var.components.velero
      purpose         = "Velero backup metadata and kopia file-system backups of app volumes"
      versioning      = true
      expire_days     = var.velero_backup_ttl_days + 15
      expire_prefix   = "backups/"
      noncurrent_days = 7
    }
    wordpress_media = {
      enabled         = var.components.wordpress
      purpose         = "WordPress media uploads (offloaded by the S3 plugin)"
      versioning      = true
      expire_days     = null
      expire_prefix   = null
      noncurrent_days = 30
    }
  }

  bucket_names = {
    state           = "${var.name}-tofu-state"
    db_backups      = "${var.name}-db-backups"
    mail_backups    = "${var.name}-mail-backups"
    velero          = "${var.name}-velero"
    wordpress_media = "${var.name}-wp-media"
  }

  enabled_buckets = { for id, bucket in local.buckets : id => merge(bucket, { name = local.bucket_names[id] }) if bucket.enabled }

  # One consumer per key. The state bucket has none here: OpenTofu reaches it with the
  # bootstrap key, which also creates the buckets.
  consumers = {
    db_backups      = "data layer backup and restore-test CronJobs"
    mail_backups    = "Mailu backup job"
    velero          = "Velero server and node agents"
    wordpress_media = "WordPress S3 media plugin"
  }
}

resource "digitalocean_spaces_bucket" "this" {
  for_each = local.enabled_buckets

  name          = each.value.name
  region        = var.region
  acl           = "private"
  force_destroy = false

  versioning {
    enabled = each.value.versioning
  }

  # Uploads that die halfway would otherwise be stored (and billed) forever.
  lifecycle_rule {
    id                                     = "abort-incomplete-uploads"
    enabled                                = true
    abort_incomplete_multipart_upload_days = 1
  }

  dynamic "lifecycle_rule" {
    for_each = each.value.expire_days == null ? [] : [each.value]
    content {
      id      = "expire-after-${lifecycle_rule.value.expire_days}-days"
      enabled = true
      prefix  = lifecycle_rule.value.expire_prefix
      expiration {
        days = lifecycle_rule.value.expire_days
      }
    }
  }

  dynamic "lifecycle_rule" {
    for_each = each.value.versioning ? [each.value] : []
    content {
      id      = "forget-replaced-versions-after-${lifecycle_rule.value.noncurrent_days}-days"
      enabled = true
      noncurrent_version_expiration {
        days = lifecycle_rule.value.noncurrent_days
      }
    }
  }

  # Backups and state must not disappear with a toggle or a rename: turning a consumer off
  # leaves its bucket, and a teardown removes this line in a reviewed change first.
  lifecycle {
    prevent_destroy = true
  }
}

resource "digitalocean_spaces_key" "this" {
  for_each = { for id, purpose in local.consumers : id => purpose if contains(keys(local.enabled_buckets), id) }

  name = "${var.name}-${replace(each.key, "_", "-")}"

  # readwrite on its own bucket: list, read, write and delete objects there, nothing elsewhere,
  # and no bucket settings (only the bootstrap key has fullaccess).
  grant {
    bucket     = digitalocean_spaces_bucket.this[each.key].name
    permission = "readwrite"
  }
}
