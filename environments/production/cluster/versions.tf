terraform {
  required_version = ">= 1.12.0"

  required_providers {
    digitalocean = {
      source  = "digitalocean/digitalocean"
      version = "2.99.1"
    }
    # Mailu's DKIM key (modules/mail-dns), generated beside the zone that publishes it.
    tls = {
      source  = "hashicorp/tls"
      version = "4.2.1"
    }
  }

  # State lives in the state bucket on Spaces (`platform bootstrap --env production` creates it
  # and the first Spaces key). use_lockfile takes a lock object with a conditional PUT
  # (If-None-Match: *), so no DynamoDB table is needed. Credentials come from
  # SPACES_ACCESS_KEY_ID / SPACES_SECRET_ACCESS_KEY, which the harness hands to the backend as
  # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. `make plan ENV=production OFFLINE=1` replaces
  # this backend with a throwaway local one and never touches the bucket.
  backend "s3" {
    bucket = "${var.name}-tofu-state"
    key    = "cluster/terraform.tfstate"
    # Spaces ignores the AWS region; the SDK only signs with it.
    region                      = "us-east-1"
    endpoints                   = { s3 = "https://${var.region}.digitaloceanspaces.com" }
    use_lockfile                = true
    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_s3_checksum            = true
  }

  # The state holds the scoped Spaces keys' secrets: it and every saved plan are encrypted,
  # and OpenTofu refuses to write either in plaintext.
  encryption {
    key_provider "pbkdf2" "state" {
      passphrase = var.state_passphrase
    }
    method "aes_gcm" "state" {
      keys = key_provider.pbkdf2.state
    }
    state {
      method   = method.aes_gcm.state
      enforced = true
    }
    plan {
      method   = method.aes_gcm.state
      enforced = true
    }
  }
}

# Everything secret comes from the environment, never from variables, so it reaches neither
# plans nor state: DIGITALOCEAN_TOKEN for the API, SPACES_ACCESS_KEY_ID and
# SPACES_SECRET_ACCESS_KEY for the buckets (Spaces is an S3 API with its own keys).
provider "digitalocean" {}
