Gem::Specification.new do |spec|
  spec.name = %q{old-style}
  spec.version = '0.9'
  spec.license = 'Ruby'
end
